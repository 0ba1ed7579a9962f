import { DpopNonces } from './dpop-nonce';

describe('DpopNonces', () => {
  const SLOT = 60;
  let nowMs = 1_800_000_000_000;
  const nonces = new DpopNonces(['a-server-secret-of-some-length'], SLOT, () => nowMs);

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
    expect(new DpopNonces(['a-server-secret-of-some-length'], SLOT, () => nowMs).isValid(issued)).toBe(true);
    expect(new DpopNonces(['another-secret-entirely-here'], SLOT, () => nowMs).isValid(issued)).toBe(false);
  });

  it('while the secret rotates, instances on the old and on the new secret accept each other’s nonces', () => {
    const old = nonces.current();
    const rotated = new DpopNonces(['the-new-server-secret-of-some-length', 'a-server-secret-of-some-length'], SLOT, () => nowMs);
    expect(rotated.isValid(old)).toBe(true);
    expect(rotated.current()).not.toBe(old); // issued under the new secret
    expect(new DpopNonces(['a-server-secret-of-some-length', 'the-new-server-secret-of-some-length'], SLOT, () => nowMs).isValid(rotated.current())).toBe(true);
    expect(nonces.isValid(rotated.current())).toBe(false);
    expect(new DpopNonces(['the-new-server-secret-of-some-length'], SLOT, () => nowMs).isValid(old)).toBe(false);
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
