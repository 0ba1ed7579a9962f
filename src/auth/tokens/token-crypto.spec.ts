import { createHmac } from 'node:crypto';
import { generateOpaqueToken, isWellFormedToken, TokenHasher } from './token-crypto';

describe('token-crypto', () => {
  const hasher = new TokenHasher('unit-test-secret-0123456789');

  it('generates 256-bit URL-safe tokens that never repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateOpaqueToken));
    expect(tokens.size).toBe(1000);
    for (const t of tokens) {
      expect(isWellFormedToken(t)).toBe(true);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    }
  });

  it('rejects malformed tokens before any lookup', () => {
    for (const bad of ['', 'a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}+`, 42, null, undefined, {}]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });

  it('hashes with HMAC-SHA-256 under the server secret', () => {
    const token = generateOpaqueToken();
    expect(hasher.hash(token)).toEqual(createHmac('sha256', 'unit-test-secret-0123456789').update(token).digest());
    expect(new TokenHasher('another-secret-0123456789').hash(token)).not.toEqual(hasher.hash(token));
  });

  it('derives one deterministic, well-formed successor that differs from the token and its hash', () => {
    const token = generateOpaqueToken();
    const successor = hasher.successorOf(token);
    expect(hasher.successorOf(token)).toBe(successor);
    expect(isWellFormedToken(successor)).toBe(true);
    expect(successor).not.toBe(token);
    expect(Buffer.from(successor, 'base64url')).not.toEqual(hasher.hash(token));
    expect(new TokenHasher('another-secret-0123456789').successorOf(token)).not.toBe(successor);
  });
});
