import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, CryptoKey, exportJWK, generateKeyPair, importJWK, JWK, SignJWT } from 'jose';
import { writePrivateFile } from './private-file';

interface LoadedKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The device's DPoP key: a P-256 pair generated on first use and kept in a file only its owner
 * can read (0600), beside the refresh token. A real app generates it inside the Android Keystore
 * or the iOS Secure Enclave instead, where the private key can sign but never be read out, so
 * even a full copy of the app's storage or a backup does not carry it.
 */
export class DpopKeyFile {
  private loaded: Promise<LoadedKey> | undefined;

  constructor(readonly path: string) {}

  /** SHA-256 JWK thumbprint (RFC 7638): what the server binds the session to (`cnf.jkt`). */
  async thumbprint(): Promise<string> {
    return calculateJwkThumbprint((await this.key()).publicJwk, 'sha256');
  }

  /** A proof for one request (RFC 9449 §4.2): `ath` binds it to the access token it accompanies. */
  async proof(method: string, url: string, options: { accessToken?: string; nonce?: string } = {}): Promise<string> {
    const { privateKey, publicJwk } = await this.key();
    const claims: Record<string, unknown> = { htm: method, htu: url.split(/[?#]/)[0], jti: randomUUID() };
    if (options.accessToken) claims.ath = await sha256Base64url(options.accessToken);
    if (options.nonce) claims.nonce = options.nonce;
    return new SignJWT(claims).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk }).setIssuedAt().sign(privateKey);
  }

  private key(): Promise<LoadedKey> {
    this.loaded ??= this.loadOrCreate();
    return this.loaded;
  }

  private async loadOrCreate(): Promise<LoadedKey> {
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      privateJwk = await exportJWK(privateKey);
      writePrivateFile(this.path, JSON.stringify(privateJwk));
    }
    const { d: _private, ...publicJwk } = privateJwk;
    return { privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey, publicJwk };
  }
}

async function sha256Base64url(value: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value));
  return Buffer.from(digest).toString('base64url');
}
