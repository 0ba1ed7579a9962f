import { Inject, Injectable } from '@nestjs/common';
import { authConfig, AuthConfig } from '../../config/auth.config';
import { RedisService } from '../../redis/redis.service';

/** Why a refresh token's hash is on the blacklist. */
export type BlacklistEntry =
  | { kind: 'rotated'; sessionId: string; userId: string; rotatedAtMs: number }
  | { kind: 'revoked'; sessionId: string; userId: string };

/**
 * Redis side of revocation: the refresh-token blacklist and the per-session markers that
 * the access-token guard checks. Every key carries a TTL equal to the longest time the
 * token it stands for could still be presented, so Redis never needs a cleanup job.
 *
 * Keys: `bl:<hex hmac>` for refresh tokens, `rs:<session id>` for ended sessions.
 */
@Injectable()
export class TokenBlacklistService {
  /** An access token issued an instant before revocation lives this long at most. */
  readonly sessionMarkerTtlSeconds: number;

  constructor(
    private readonly redis: RedisService,
    @Inject(authConfig.KEY) config: AuthConfig,
  ) {
    this.sessionMarkerTtlSeconds = sessionMarkerTtlSeconds(config.accessTokenTtl);
  }

  // find, addRotated and isSessionRevoked run on every refresh or guarded request: plain
  // promise chains, not async functions (see PreparedStatements.firstRow).
  find(hash: Buffer): Promise<BlacklistEntry | null> {
    return this.redis.client.get(blacklistKey(hash)).then(decodeEntry);
  }

  addRotated(hash: Buffer, entry: Omit<Extract<BlacklistEntry, { kind: 'rotated' }>, 'kind'>, expiresAt: Date): Promise<unknown> {
    const ttlMs = expiresAt.getTime() - Date.now();
    if (ttlMs <= 0) return Promise.resolve();
    return this.redis.client.set(blacklistKey(hash), `r|${entry.sessionId}|${entry.userId}|${entry.rotatedAtMs}`, 'PX', ttlMs);
  }

  /**
   * Blacklists revoked tokens and marks their sessions ended. One command per key, all issued
   * together (one round trip per node): a pipeline or MULTI across keys breaks on a cluster.
   */
  async addRevoked(
    tokens: { hash: Buffer; sessionId: string; userId: string; expiresAt: Date }[],
    sessionIds: string[],
  ): Promise<void> {
    if (!tokens.length && !sessionIds.length) return;
    const client = this.redis.client;
    const now = Date.now();
    const writes: Promise<unknown>[] = [];
    for (const t of tokens) {
      const ttlMs = t.expiresAt.getTime() - now;
      // NX: a rotated entry already there must keep saying "rotated".
      if (ttlMs > 0) writes.push(client.set(blacklistKey(t.hash), `x|${t.sessionId}|${t.userId}`, 'PX', ttlMs, 'NX'));
    }
    for (const id of new Set(sessionIds)) writes.push(client.set(sessionKey(id), '1', 'EX', this.sessionMarkerTtlSeconds));
    await Promise.all(writes);
  }

  isSessionRevoked(sessionId: string): Promise<boolean> {
    return this.redis.client.exists(sessionKey(sessionId)).then(isOne);
  }
}

/**
 * How long an ended session must be remembered (its Redis marker, and its row for rebuilding
 * the marker): the longest an access token issued an instant before the end stays valid, plus
 * slack for clock skew and for a rotation racing the revocation.
 */
export function sessionMarkerTtlSeconds(accessTokenTtl: number): number {
  return accessTokenTtl + 60;
}

export const blacklistKey = (hash: Buffer) => `bl:${hash.toString('hex')}`;
export const sessionKey = (sessionId: string) => `rs:${sessionId}`;

const isOne = (count: number) => count === 1;

function decodeEntry(value: string | null): BlacklistEntry | null {
  if (!value) return null;
  const [kind, sessionId, userId, rotatedAt] = value.split('|');
  if (kind === 'r') return { kind: 'rotated', sessionId, userId, rotatedAtMs: Number(rotatedAt) };
  if (kind === 'x') return { kind: 'revoked', sessionId, userId };
  return null;
}
