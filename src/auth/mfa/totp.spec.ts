import { base32Of, matchingStep, newTotpSecret, totpCode, totpUri } from './totp';
import { TotpSecretCipher } from './totp-secret-cipher';

describe('TOTP (RFC 6238)', () => {
  // RFC 6238 appendix B, SHA-1 secret "12345678901234567890": 94287082 at T = 59 s (8 digits);
  // the 6-digit code is its last six digits.
  const rfcSecret = Buffer.from('12345678901234567890');

  it('computes the RFC 6238 test vector', () => {
    expect(totpCode(rfcSecret, 59_000)).toBe('287082');
    expect(totpCode(rfcSecret, 1_111_111_109_000)).toBe('081804');
  });

  it('accepts the current step and one step of drift either way, not two', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_015_000;
    const step = Math.floor(now / 30_000);
    expect(matchingStep(secret, totpCode(secret, now), now)).toBe(step);
    expect(matchingStep(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchingStep(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1);
    expect(matchingStep(secret, totpCode(secret, now - 60_000), now)).toBeNull();
    expect(matchingStep(secret, totpCode(secret, now + 60_000), now)).toBeNull();
    expect(matchingStep(secret, '12345', now)).toBeNull();
    expect(matchingStep(secret, ' 123456', now)).toBeNull();
  });

  it('builds the otpauth URI apps scan, with issuer, account and base32 secret', () => {
    const secret = newTotpSecret();
    expect(secret).toHaveLength(20);
    const uri = new URL(totpUri(secret, 'Example', 'ada@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(base32Of(secret));
    expect(uri.searchParams.get('issuer')).toBe('Example');
    expect(decodeURIComponent(uri.pathname)).toContain('ada@example.com');
  });
});

describe('TotpSecretCipher', () => {
  const cipher = new TotpSecretCipher('a-server-secret-that-is-long-enough-0123');

  it('round-trips, with a fresh nonce each time, and never stores the secret in clear', () => {
    const secret = newTotpSecret();
    const a = cipher.encrypt(secret, 'user-1');
    const b = cipher.encrypt(secret, 'user-1');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(secret)).toBe(false);
    expect(cipher.decrypt(a, 'user-1').equals(secret)).toBe(true);
  });

  it('refuses another user’s value, a tampered value, and another key', () => {
    const stored = cipher.encrypt(newTotpSecret(), 'user-1');
    expect(() => cipher.decrypt(stored, 'user-2')).toThrow();
    const tampered = Buffer.from(stored);
    tampered[tampered.length - 1] ^= 1;
    expect(() => cipher.decrypt(tampered, 'user-1')).toThrow();
    expect(() => new TotpSecretCipher('another-server-secret-long-enough-012345').decrypt(stored, 'user-1')).toThrow();
  });
});
