import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for TOTP secrets at rest, under a key derived (HKDF-SHA-256) from a server secret:
 * a database dump alone yields no one's codes, and a stored value moved to another account
 * does not decrypt (the user id is authenticated data). Stored as nonce | tag | ciphertext.
 */
export class TotpSecretCipher {
  private readonly key: Buffer;

  constructor(serverSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', serverSecret, Buffer.alloc(0), 'totp-secret/v1', 32));
  }

  encrypt(secret: Buffer, userId: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce).setAAD(Buffer.from(userId));
    const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
    return Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]);
  }

  /** Throws when the value was not encrypted under this key for this user. */
  decrypt(stored: Buffer, userId: string): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.key, stored.subarray(0, NONCE_BYTES)).setAAD(Buffer.from(userId));
    decipher.setAuthTag(stored.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(stored.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
  }
}
