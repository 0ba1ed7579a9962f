import type { CryptoKey, FlattenedJWSInput, JWK, JWSHeaderParameters } from 'jose';
import { jose } from './jose';

export interface ProofKey {
  key: CryptoKey;
  /** SHA-256 JWK thumbprint (RFC 7638). */
  thumbprint: string;
}

/**
 * The public keys of recent proofs, imported once: importing a JWK and hashing its thumbprint
 * cost twice as much as verifying the signature (bench/dpop.js), and a client sends the same
 * key on every request. A key is imported by jose's EmbeddedJWK (which refuses private and
 * symmetric keys and a `use`/`alg` that does not fit); the entry is keyed by the header's `alg`
 * and the JWK exactly as sent, so a hit has passed the same checks. Bounded: the oldest entry
 * goes first, and a flood of fresh keys only costs what no cache would.
 */
export class ProofKeyCache {
  private readonly entries = new Map<string, Promise<ProofKey>>();

  constructor(private readonly maxEntries = 10_000) {}

  /** jose's key resolver for `jwtVerify`; `thumbprintOf` gives the thumbprint afterwards. */
  readonly resolve = (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> =>
    this.entry(header, token).then((entry) => entry.key);

  thumbprintOf(header: JWSHeaderParameters): Promise<string> {
    return this.entry(header).then((entry) => entry.thumbprint);
  }

  private entry(header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<ProofKey> {
    const id = `${header.alg}|${JSON.stringify(header.jwk)}`;
    let entry = this.entries.get(id);
    if (!entry) {
      entry = importKey(header, token);
      this.entries.set(id, entry);
      entry.catch(() => this.entries.delete(id));
      if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    }
    return entry;
  }
}

async function importKey(header: JWSHeaderParameters, token?: FlattenedJWSInput): Promise<ProofKey> {
  const { EmbeddedJWK, calculateJwkThumbprint } = jose();
  const key = await EmbeddedJWK(header, token as FlattenedJWSInput);
  return { key, thumbprint: await calculateJwkThumbprint(header.jwk as JWK, 'sha256') };
}
