import { calculateJwkThumbprint, exportJWK, generateKeyPair, JWSHeaderParameters } from 'jose';
import { ProofKeyCache } from './proof-key-cache';

describe('ProofKeyCache', () => {
  const headerOf = async (extractable = false) => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable });
    return { header: { alg: 'ES256', jwk: await exportJWK(publicKey) } as JWSHeaderParameters, privateKey };
  };

  it('imports a key once and gives its RFC 7638 thumbprint', async () => {
    const cache = new ProofKeyCache();
    const { header } = await headerOf();
    const first = await cache.resolve(header, {} as never);
    expect(await cache.resolve({ ...header }, {} as never)).toBe(first); // same CryptoKey object: no second import
    expect(await cache.thumbprintOf(header)).toBe(await calculateJwkThumbprint(header.jwk!, 'sha256'));
    expect(first.type).toBe('public');
  });

  it('refuses a private key and does not remember the refusal as a key', async () => {
    const cache = new ProofKeyCache();
    const { header, privateKey } = await headerOf(true);
    const privateHeader = { ...header, jwk: await exportJWK(privateKey) };
    await expect(cache.resolve(privateHeader, {} as never)).rejects.toThrow(/public key/);
    await expect(cache.resolve(privateHeader, {} as never)).rejects.toThrow(/public key/);
  });

  it('keeps at most its bound, dropping the oldest key', async () => {
    const cache = new ProofKeyCache(2);
    const [a, b, c] = await Promise.all([headerOf(), headerOf(), headerOf()]);
    const keyA = await cache.resolve(a.header, {} as never);
    await cache.resolve(b.header, {} as never);
    await cache.resolve(c.header, {} as never);
    expect(await cache.resolve(a.header, {} as never)).not.toBe(keyA); // imported again
  });
});
