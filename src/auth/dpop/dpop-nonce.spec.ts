import { DpopNonces } from './dpop-nonce';

describe('DpopNonces', () => {
  const SLOT = 60;
  let nowMs = 1_800_000_000_000;
  const nonces = new DpopNonces('a-server-secret-of-some-length', SLOT, () => nowMs);

  it('accepts its current nonce, and the previous slot’s, but not older ones', () => {
    const issued = nonces.current();
    expect(nonces.isValid(issued)).toBe(true);
    nowMs += SLOT * 1000;
    expect(nonces.isValid(issued)).toBe(true);
    nowMs += SLOT * 1000;
    expect(nonces.isValid(issued)).toBe(false);
  });

  it('another instance with the same secret accepts it; another secret does not', () => {
    const issued = nonces.current();
    expect(new DpopNonces('a-server-secret-of-some-length', SLOT, () => nowMs).isValid(issued)).toBe(true);
    expect(new DpopNonces('another-secret-entirely-here', SLOT, () => nowMs).isValid(issued)).toBe(false);
  });

  it('refuses a nonce for a future slot, a changed MAC, and anything not a nonce', () => {
    const raw = Buffer.from(nonces.current(), 'base64url');
    const future = Buffer.from(raw);
    future.writeBigUInt64BE(future.readBigUInt64BE(0) + 1n, 0);
    expect(nonces.isValid(future.toString('base64url'))).toBe(false);
    const tampered = Buffer.from(raw);
    tampered[tampered.length - 1] ^= 1;
    expect(nonces.isValid(tampered.toString('base64url'))).toBe(false);
    for (const junk of [undefined, 42, '', 'x'.repeat(100), nonces.current() + '=', nonces.current().slice(1)]) {
      expect(nonces.isValid(junk)).toBe(false);
    }
  });
});
