import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Secret } from 'otpauth';
import { DpopKeyFile } from '../../examples/mobile/src/dpop-key-file';
import { totpCode } from '../../src/auth/mfa/totp';
import { FileTokenStore, MobileAuthClient, ReloginRequiredError } from '../../examples/mobile/src/mobile-auth-client';
import { createTestApp, PASSWORD, refreshBody, sleep, TestApp, uniqueEmail } from '../support/test-app';

const GRACE_SECONDS = 1;
const stored = (store: FileTokenStore) => JSON.parse(readFileSync(store.path, 'utf8')).refreshToken as string;

/** examples/mobile against the real app over HTTP (body transport, token in a 0600 file). */
describe('mobile-style client (examples/mobile)', () => {
  let t: TestApp;
  let apiUrl: string;
  beforeAll(async () => {
    t = await createTestApp({ auth: { reuseGrace: GRACE_SECONDS } });
    await t.app.listen(0, '127.0.0.1');
    apiUrl = await t.app.getUrl();
  });
  afterAll(() => t.close());

  const newStore = () => new FileTokenStore(path.join(mkdtempSync(path.join(tmpdir(), 'mobile-')), 'refresh-token.json'));

  async function signedInClient() {
    const store = newStore();
    const client = new MobileAuthClient(apiUrl, store);
    const email = uniqueEmail();
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    return { client, store, email };
  }

  it('stores only the refresh token, in a file only its owner can read, and calls the API', async () => {
    const { client, store, email } = await signedInClient();
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(readFileSync(store.path, 'utf8')))).toEqual(['refreshToken']);
    await expect(client.request('/auth/me')).resolves.toMatchObject({ email });
  });

  it('rotates the stored token on refresh, and a restarted app resumes from the file', async () => {
    const { client, store, email } = await signedInClient();
    const first = stored(store);
    await client.refresh();
    const second = stored(store);
    expect(second).not.toBe(first);
    const restarted = new MobileAuthClient(apiUrl, store); // no access token in memory
    await expect(restarted.request('/auth/me')).resolves.toMatchObject({ email });
    expect(stored(store)).not.toBe(second);
  });

  it('survives a lost refresh answer: the old token again within grace gets the same pair', async () => {
    const { client, store, email } = await signedInClient();
    const old = stored(store);
    const lost = await refreshBody(t, old).expect(200); // the server rotated, the app never saw it
    await client.refresh(); // still presents `old`
    expect(stored(store)).toBe(lost.body.refreshToken);
    await expect(client.request('/auth/me')).resolves.toMatchObject({ email });
  });

  it('is forced to sign in again after a stolen copy of its token is replayed', async () => {
    const { client, store } = await signedInClient();
    const stolen = stored(store);
    await client.refresh(); // the owner rotates
    await sleep(GRACE_SECONDS * 1000 + 200);
    await refreshBody(t, stolen).expect(401); // the thief: reuse detected, every session ends
    await expect(client.request('/auth/me')).rejects.toBeInstanceOf(ReloginRequiredError);
    expect(client.hasSession).toBe(false); // the dead token is gone from the device
  });

  it('logout ends the session on the server and forgets the token', async () => {
    const { client, store } = await signedInClient();
    const token = stored(store);
    await client.logout();
    expect(client.hasSession).toBe(false);
    await refreshBody(t, token).expect(401);
  });
});

describe('mobile-style client with a DPoP key (examples/mobile)', () => {
  let t: TestApp;
  let apiUrl: string;
  beforeAll(async () => {
    // Nonces on: the client must pick up DPoP-Nonce and retry, as against a strict server.
    t = await createTestApp({ auth: { reuseGrace: GRACE_SECONDS }, dpop: { nonceRequired: true, publicOrigin: null } });
    await t.app.listen(0, '127.0.0.1');
    apiUrl = await t.app.getUrl();
  });
  afterAll(() => t.close());

  function device(dir = mkdtempSync(path.join(tmpdir(), 'mobile-dpop-'))) {
    const store = new FileTokenStore(path.join(dir, 'refresh-token.json'));
    const key = new DpopKeyFile(path.join(dir, 'dpop-key.json'));
    return { dir, store, key, client: new MobileAuthClient(apiUrl, store, key) };
  }

  it('binds the session to a P-256 key kept in a 0600 file beside the token; every call carries a proof', async () => {
    const { store, key, client } = device();
    const email = uniqueEmail();
    await client.register(email, PASSWORD);
    await client.login(email, PASSWORD);
    expect(statSync(key.path).mode & 0o777).toBe(0o600);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(key.path, 'utf8'))).toMatchObject({ kty: 'EC', crv: 'P-256', d: expect.any(String) });
    const sessionId = (await t.prisma.$queryRaw<{ id: string; dpop_jkt: string }[]>`
      SELECT s.id, s.dpop_jkt FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ${email}`)[0];
    expect(sessionId.dpop_jkt).toBe(await key.thumbprint());
    await expect(client.request('/auth/me')).resolves.toMatchObject({ email });
    await client.refresh();
    await expect(client.request('/auth/me')).resolves.toMatchObject({ email });
  });

  it('a copy of the token file without the key is refused, and the owner keeps going', async () => {
    const owner = device();
    const email = uniqueEmail();
    await owner.client.register(email, PASSWORD);
    await owner.client.login(email, PASSWORD);
    const copied = stored(owner.store);
    // The thief: the refresh token from a backup, a key of its own.
    const thief = device();
    thief.store.write(copied);
    await expect(thief.client.refresh()).rejects.toBeInstanceOf(ReloginRequiredError);
    const bare = await refreshBody(t, copied); // and without any proof
    expect(bare.status).toBe(401);
    expect(bare.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
    await owner.client.refresh();
    await expect(owner.client.request('/auth/me')).resolves.toMatchObject({ email });
  });

  it('a restarted app loads the same key and resumes; logout with a proof ends the session', async () => {
    const first = device();
    const email = uniqueEmail();
    await first.client.register(email, PASSWORD);
    await first.client.login(email, PASSWORD);
    const restarted = device(first.dir);
    await expect(restarted.client.request('/auth/me')).resolves.toMatchObject({ email });
    await restarted.client.logout();
    const row = (await t.prisma.$queryRaw<{ revoked_at: Date | null }[]>`
      SELECT s.revoked_at FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ${email}`)[0];
    expect(row.revoked_at).not.toBeNull();
  });
});

describe('mobile-style client with a second factor (examples/mobile)', () => {
  it('login answers mfaRequired; the code step stores the pair; a bound DPoP session works after it', async () => {
    const t = await createTestApp({ dpop: { publicOrigin: null } });
    await t.app.listen(0, '127.0.0.1');
    const apiUrl = await t.app.getUrl();
    try {
      const dir = mkdtempSync(path.join(tmpdir(), 'mobile-mfa-'));
      const store = new FileTokenStore(path.join(dir, 'refresh-token.json'));
      const client = new MobileAuthClient(apiUrl, store, new DpopKeyFile(path.join(dir, 'dpop-key.json')));
      const email = uniqueEmail();
      await client.register(email, PASSWORD);
      expect(await client.login(email, PASSWORD)).toEqual({ mfaRequired: false });
      // Enrol through the API as the app's settings screen would.
      const enrol: any = await client.request('/auth/mfa/totp', { method: 'POST' });
      const secret = Buffer.from(Secret.fromBase32(enrol.secret).buffer);
      const { recoveryCodes }: any = await client.request('/auth/mfa/totp/confirm', { method: 'POST', body: { code: totpCode(secret) } });
      await client.logout();

      expect(await client.login(email, PASSWORD)).toEqual({ mfaRequired: true });
      expect(client.hasSession).toBe(false); // no token before the code
      await client.verifyMfa({ code: totpCode(secret, Date.now() + 30_000) });
      expect(client.hasSession).toBe(true);
      await expect(client.request('/auth/me')).resolves.toMatchObject({ email, mfaEnabled: true });
      await client.refresh();
      await client.logout();

      await client.login(email, PASSWORD);
      await client.verifyMfa({ recoveryCode: recoveryCodes[0] });
      await expect(client.request('/auth/me')).resolves.toMatchObject({ email });
    } finally {
      await t.close();
    }
  });
});

