import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import { PreparedStatement, PreparedStatements } from '../../prisma/prepared-statements';
import { PrismaService } from '../../prisma/prisma.service';

export interface IssuedToken {
  sessionId: string;
  userId: string;
  expiresAt: Date;
  /** Thumbprint of the DPoP key the session is bound to; null: unbound. */
  dpopJkt: string | null;
}

export interface RotatedToken extends IssuedToken {
  /** When the presented token would have expired: how long its blacklist entry must live. */
  retiredExpiresAt: Date;
  rotatedAt: Date;
}

/** What Postgres knows about a token that could not be rotated. */
export interface TokenRecord {
  sessionId: string;
  userId: string;
  rotated: boolean;
  /** Seconds since the token was revoked or rotated (Postgres clock). */
  retiredSecondsAgo: number | null;
  expiresAt: Date;
  sessionLive: boolean;
  dpopJkt: string | null;
}

/**
 * Retires a live token and inserts its successor; the hot path, so a prepared statement.
 * A session bound to a DPoP key rotates only for a proof by that key ($5): a copied token
 * without the key changes nothing.
 */
export const ROTATE_REFRESH_TOKEN: PreparedStatement = {
  name: 'rotate_refresh_token',
  text: `
    WITH old AS (
      UPDATE refresh_tokens rt
         SET revoked = true, revoked_at = now(), replaced_by = $3::uuid
        FROM sessions s
       WHERE rt.token_hash = $1 AND NOT rt.revoked AND rt.expires_at > now()
         AND s.id = rt.session_id AND s.revoked_at IS NULL AND s.absolute_expires_at > now()
         AND (s.dpop_jkt IS NULL OR s.dpop_jkt = $5::text)
      RETURNING rt.session_id, rt.user_id, rt.expires_at, s.absolute_expires_at, s.dpop_jkt
    ), used AS (
      UPDATE sessions SET last_used_at = now() WHERE id = (SELECT session_id FROM old)
    )
    INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at)
    SELECT $3::uuid, $2, old.session_id, old.user_id,
           LEAST(now() + make_interval(secs => $4), old.absolute_expires_at)
    FROM old
    RETURNING session_id AS "sessionId", user_id AS "userId", expires_at AS "expiresAt",
              (SELECT expires_at FROM old) AS "retiredExpiresAt", now() AS "rotatedAt",
              (SELECT dpop_jkt FROM old) AS "dpopJkt"`,
};

/**
 * The queries of `refresh_tokens`. Rotation is one statement (it also stamps the session's
 * last use and checks the session is live, under the token's row lock).
 */
@Injectable()
export class RefreshTokenRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly statements: PreparedStatements,
  ) {}

  /**
   * Retires a live token and inserts its successor, atomically, in one round trip. The row lock
   * taken by the UPDATE serialises concurrent rotations of one token: the first commits, the
   * others re-check `NOT rt.revoked`, match nothing and get null. The unique index on
   * token_hash would refuse a second successor even if that ever failed.
   */
  rotate(oldHash: Buffer, newHash: Buffer, idleTtl: number, dpopKey: string | null): Promise<RotatedToken | null> {
    return this.statements.firstRow<RotatedToken>(ROTATE_REFRESH_TOKEN, [oldHash, newHash, randomUUID(), idleTtl, dpopKey]);
  }

  /** Any token row, live or retired, with the state of its session. */
  async findByHash(hash: Buffer): Promise<TokenRecord | null> {
    const rows = await this.prisma.$queryRaw<TokenRecord[]>`
      SELECT rt.session_id AS "sessionId", rt.user_id AS "userId",
             rt.replaced_by IS NOT NULL AS rotated, rt.expires_at AS "expiresAt",
             EXTRACT(EPOCH FROM now() - rt.revoked_at)::float8 AS "retiredSecondsAgo",
             (s.revoked_at IS NULL AND s.absolute_expires_at > now()) AS "sessionLive",
             s.dpop_jkt AS "dpopJkt"
        FROM refresh_tokens rt
        JOIN sessions s ON s.id = rt.session_id
       WHERE rt.token_hash = ${hash}`;
    return rows[0] ?? null;
  }

  /** Revoked refresh tokens (rotated or revoked): `revoked` and `revoked_at` are set together. */
  deleteRevokedBatch(limit: number): Promise<number> {
    return this.prisma.deleteBatch('refresh_tokens', Prisma.sql`revoked_at IS NOT NULL`, limit);
  }

  deleteExpiredBatch(limit: number): Promise<number> {
    return this.prisma.deleteBatch('refresh_tokens', Prisma.sql`expires_at < now()`, limit);
  }
}
