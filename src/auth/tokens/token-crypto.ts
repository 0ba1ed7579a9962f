import { createHmac, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, base64url: 43 URL-safe characters. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateOpaqueToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Cheap shape check so garbage never costs a Redis or Postgres round trip. */
export function isWellFormedToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}

/**
 * Keyed hashes for opaque tokens. Only these hashes are stored; without the server secret a
 * leaked table cannot be turned back into tokens or checked against guesses.
 */
export class TokenHasher {
  private readonly successorKey: Buffer;

  /** A hasher with its own key for one purpose: its hashes never equal another purpose's. */
  static forPurpose(secret: string, purpose: string): TokenHasher {
    return new TokenHasher(createHmac('sha256', secret).update(purpose).digest('hex'));
  }

  constructor(private readonly secret: string) {
    // A separate key, so the successor of a token is not its stored hash.
    this.successorKey = createHmac('sha256', secret).update('refresh-token-successor/v1').digest();
  }

  /** HMAC-SHA-256(secret, token): the value stored in `token_hash` and keyed in the blacklist. */
  hash(token: string): Buffer {
    return createHmac('sha256', this.secret).update(token).digest();
  }

  /**
   * The refresh token that replaces `token` on rotation. Deterministic, so every concurrent
   * refresh with one token, and a replay inside the grace window, hands out the same successor
   * without the raw successor ever being stored anywhere.
   */
  successorOf(token: string): string {
    return createHmac('sha256', this.successorKey).update(token).digest('base64url');
  }
}

/**
 * One purpose's hashers under the current secret and, while that secret rotates, the previous
 * one. Everything is issued under the current secret; a token issued before the rotation is
 * still found by its hash under the previous (README, "Rotating secrets").
 */
export class TokenKeyring {
  /** The current hasher, then the previous one if any. */
  readonly all: readonly TokenHasher[];

  private constructor(
    readonly current: TokenHasher,
    readonly previous: TokenHasher | null,
  ) {
    this.all = previous ? [current, previous] : [current];
  }

  /** Refresh tokens: the secrets themselves are the keys. */
  static of(secret: string, previousSecret: string | null): TokenKeyring {
    return new TokenKeyring(new TokenHasher(secret), previousSecret === null ? null : new TokenHasher(previousSecret));
  }

  /** Reset and verification tokens: a key derived per purpose, so their hashes never collide. */
  static forPurpose(secret: string, previousSecret: string | null, purpose: string): TokenKeyring {
    const previous = previousSecret === null ? null : TokenHasher.forPurpose(previousSecret, purpose);
    return new TokenKeyring(TokenHasher.forPurpose(secret, purpose), previous);
  }

  /** Every hash the token may be stored under, the current secret's first. */
  hashes(token: string): Buffer[] {
    return this.all.map((hasher) => hasher.hash(token));
  }
}

/** The first of `hashes` that `find` knows, with what it found; null when none is known. */
export async function findByAnyHash<T>(hashes: Buffer[], find: (hash: Buffer) => Promise<T | null>): Promise<{ hash: Buffer; found: T } | null> {
  for (const hash of hashes) {
    const found = await find(hash);
    if (found !== null) return { hash, found };
  }
  return null;
}
