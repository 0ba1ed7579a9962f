import { PasswordHasherService } from './password-hasher.service';

describe('PasswordHasherService', () => {
  const hasher = new PasswordHasherService();
  beforeAll(() => hasher.onModuleInit());

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await expect(hasher.verify(hash, 'correct horse battery staple')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'wrong')).resolves.toBe(false);
  });

  it('refuses an unknown account even with the dummy password, and a corrupt hash without throwing', async () => {
    await expect(hasher.verify(null, 'dummy password for timing parity')).resolves.toBe(false);
    await expect(hasher.verify('not-a-phc-string', 'x')).resolves.toBe(false);
  });
});
