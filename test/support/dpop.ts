import { calculateJwkThumbprint, CryptoKey, exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { createHash, randomUUID } from 'node:crypto';

export interface ProofOptions {
  accessToken?: string;
  nonce?: string;
  /** Claims to add or replace (undefined removes one). */
  claims?: Record<string, unknown>;
  /** Header parameters to add or replace. */
  header?: Record<string, unknown>;
  /** Sign with this key instead (the header still names this key's public JWK). */
  signWith?: CryptoKey;
}

/** A client's DPoP key pair (RFC 9449), as a mobile app or SPA holds it, and its proofs. */
export class DpopKey {
  private constructor(
    readonly privateKey: CryptoKey,
    readonly publicJwk: JWK,
    readonly thumbprint: string,
    readonly alg: 'ES256' | 'EdDSA' | 'RS256',
  ) {}

  static async generate(alg: 'ES256' | 'EdDSA' | 'RS256' = 'ES256'): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    return new DpopKey(privateKey, publicJwk, await calculateJwkThumbprint(publicJwk, 'sha256'), alg);
  }

  /** The private JWK: what a proof must never carry. */
  exportPrivate(): Promise<JWK> {
    return exportJWK(this.privateKey);
  }

  /** A fresh proof for `method url` (each with its own jti). */
  proof(method: string, url: string, options: ProofOptions = {}): Promise<string> {
    const claims: Record<string, unknown> = {
      htm: method,
      htu: url,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      ...(options.accessToken ? { ath: sha256(options.accessToken) } : {}),
      ...(options.nonce ? { nonce: options.nonce } : {}),
      ...options.claims,
    };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    return new SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: this.alg, jwk: this.publicJwk, ...options.header } as any)
      .sign(options.signWith ?? this.privateKey);
  }
}

export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** The claims of a JWT, unverified. */
export function jwtClaims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
}

/** `WWW-Authenticate: DPoP error="…"` → the error code. */
export function dpopError(header: string | undefined): string | undefined {
  return /^DPoP\b.*\berror="([a-z_]+)"/.exec(header ?? '')?.[1];
}
