import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ClientContext } from '../client-context.decorator';
import { PrismaService } from '../../prisma/prisma.service';
import { CREATE_SESSION, ROTATE_REFRESH_TOKEN } from './token-statements';

export interface IssuedToken {
  sessionId: string;
  userId: string;
  expiresAt: Date;
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
}

export interface RevokedTokens {
  sessionIds: string[];
  tokens: { hash: Buffer; sessionId: string; userId: string; expiresAt: Date }[];
}

export type RevocationScope =
  | { sessionId: string; userId: string }
  | { userId: string; exceptSessionId?: string };

export interface LiveSession {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/**
 * Every SQL statement on sessions and refresh tokens. The hot paths (login, rotation) are one
 * statement each; revocation is one short transaction that locks token rows before session
 * rows, the same order rotation takes them in, so the two can never deadlock.
 */
@Injectable()
export class RefreshTokenRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Opens a session with its first refresh token. */
  async createSession(
    userId: string,
    tokenHash: Buffer,
    ttl: { idle: number; absolute: number },
    ctx: ClientContext,
  ): Promise<IssuedToken> {
    const rows = await this.prisma.prepared<IssuedToken>(CREATE_SESSION, [
      userId,
      ttl.absolute,
      ctx.userAgent,
      ctx.ip,
      randomUUID(),
      tokenHash,
      ttl.idle,
    ]);
    return rows[0];
  }

  /**
   * Retires a live token and inserts its successor, atomically, in one round trip. The row lock
   * taken by the UPDATE serialises concurrent rotations of one token: the first commits, the
   * others re-check `NOT rt.revoked`, match nothing and get null. The unique index on
   * token_hash would refuse a second successor even if that ever failed.
   */
  async rotate(oldHash: Buffer, newHash: Buffer, idleTtl: number): Promise<RotatedToken | null> {
    const rows = await this.prisma.prepared<RotatedToken>(ROTATE_REFRESH_TOKEN, [oldHash, newHash, randomUUID(), idleTtl]);
    return rows[0] ?? null;
  }

  /** Any token row, live or retired, with the state of its session. */
  async findByHash(hash: Buffer): Promise<TokenRecord | null> {
    const rows = await this.prisma.$queryRaw<TokenRecord[]>`
      SELECT rt.session_id AS "sessionId", rt.user_id AS "userId",
             rt.replaced_by IS NOT NULL AS rotated, rt.expires_at AS "expiresAt",
             EXTRACT(EPOCH FROM now() - rt.revoked_at)::float8 AS "retiredSecondsAgo",
             (s.revoked_at IS NULL AND s.absolute_expires_at > now()) AS "sessionLive"
        FROM refresh_tokens rt
        JOIN sessions s ON s.id = rt.session_id
       WHERE rt.token_hash = ${hash}`;
    return rows[0] ?? null;
  }

  /** Sessions of the user that can still refresh: not ended, within limits, with a live token. */
  async listLiveSessions(userId: string): Promise<LiveSession[]> {
    return this.prisma.$queryRaw<LiveSession[]>`
      SELECT s.id, s.created_at AS "createdAt", s.last_used_at AS "lastUsedAt", s.user_agent AS "userAgent", s.ip
        FROM sessions s
       WHERE s.user_id = ${userId}::uuid AND s.revoked_at IS NULL AND s.absolute_expires_at > now()
         AND EXISTS (SELECT 1 FROM refresh_tokens rt
                      WHERE rt.session_id = s.id AND NOT rt.revoked AND rt.expires_at > now())
       ORDER BY s.last_used_at DESC`;
  }

  /** `userId` given: only a session of that user counts. */
  async isSessionLive(sessionId: string, userId?: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`
      SELECT 1 FROM sessions
       WHERE id = ${sessionId}::uuid AND revoked_at IS NULL AND absolute_expires_at > now()
         AND (${userId ?? null}::uuid IS NULL OR user_id = ${userId ?? null}::uuid)`;
    return rows.length > 0;
  }

  /** Whether any session was ever recorded (and not yet purged). */
  async anySessionExists(): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ found: boolean }[]>`SELECT EXISTS (SELECT 1 FROM sessions) AS found`;
    return rows[0].found;
  }

  /** Sessions ended in the last `seconds`: those whose access tokens may still be unexpired. */
  async sessionsRevokedWithin(seconds: number): Promise<string[]> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      SELECT id FROM sessions WHERE revoked_at > now() - make_interval(secs => ${seconds})`;
    return rows.map((r) => r.id);
  }

  /**
   * Ends sessions: their live refresh tokens are revoked and the sessions marked, in one
   * transaction. Returns what the caller must also blacklist and mark in Redis.
   */
  async revoke(scope: RevocationScope, reason: string): Promise<RevokedTokens> {
    const sessionFilter = 'sessionId' in scope ? scope.sessionId : null;
    const except = 'exceptSessionId' in scope ? (scope.exceptSessionId ?? null) : null;
    const [tokens, sessions] = await this.prisma.$transaction([
      this.prisma.$queryRaw<{ hash: Uint8Array; sessionId: string; userId: string; expiresAt: Date }[]>`
        UPDATE refresh_tokens SET revoked = true, revoked_at = now()
         WHERE user_id = ${scope.userId}::uuid AND NOT revoked
           AND (${sessionFilter}::uuid IS NULL OR session_id = ${sessionFilter}::uuid)
           AND (${except}::uuid IS NULL OR session_id <> ${except}::uuid)
        RETURNING token_hash AS hash, session_id AS "sessionId", user_id AS "userId", expires_at AS "expiresAt"`,
      this.prisma.$queryRaw<{ id: string }[]>`
        UPDATE sessions SET revoked_at = COALESCE(revoked_at, now()),
                            revoke_reason = COALESCE(revoke_reason, ${reason})
         WHERE user_id = ${scope.userId}::uuid
           AND (${sessionFilter}::uuid IS NULL OR id = ${sessionFilter}::uuid)
           AND (${except}::uuid IS NULL OR id <> ${except}::uuid)
           AND (revoked_at IS NULL OR ${sessionFilter}::uuid IS NOT NULL)
        RETURNING id`,
    ]);
    return {
      sessionIds: sessions.map((s) => s.id),
      tokens: tokens.map((t) => ({ ...t, hash: Buffer.from(t.hash) })),
    };
  }
}
