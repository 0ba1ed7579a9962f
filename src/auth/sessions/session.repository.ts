import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import { PreparedStatement, PreparedStatements } from '../../prisma/prepared-statements';
import { PrismaService } from '../../prisma/prisma.service';
import type { ClientContext } from '../client-context.decorator';
import { PASSWORD_STAMP, VerifiedPassword } from '../../users/users.repository';
import type { IssuedToken } from '../tokens/refresh-token.repository';

/** A session with its first refresh token, on every login: a prepared statement. */
export const CREATE_SESSION: PreparedStatement = {
  name: 'create_session',
  // The user's row locked FOR SHARE, with the password stamp the login's check saw: a password
  // reset or change either waits for this session to commit and then ends it, or commits first
  // and this statement, re-reading the row, finds another stamp and opens nothing.
  text: `
    WITH u AS (
      SELECT u.id FROM users u WHERE u.id = $1::uuid AND ${PASSWORD_STAMP} = $9 FOR SHARE
    ), s AS (
      INSERT INTO sessions (id, user_id, absolute_expires_at, user_agent, ip, dpop_jkt)
      SELECT gen_random_uuid(), u.id, now() + make_interval(secs => $2), $3, $4, $8 FROM u
      RETURNING id, user_id, absolute_expires_at, dpop_jkt
    )
    INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at)
    SELECT $5::uuid, $6, s.id, s.user_id, LEAST(now() + make_interval(secs => $7), s.absolute_expires_at)
    FROM s
    RETURNING session_id AS "sessionId", user_id AS "userId", expires_at AS "expiresAt",
              (SELECT dpop_jkt FROM s) AS "dpopJkt"`,
};

export interface RevokedTokens {
  sessionIds: string[];
  tokens: { hash: Buffer; sessionId: string; userId: string; expiresAt: Date }[];
}

export type RevocationScope =
  | { sessionId: string; userId: string }
  | { userId: string; exceptSessionId?: string };

/** A session that can still refresh, as the sessions list shows it. */
export interface LiveSession {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/**
 * The queries of `sessions`. Login creates a session with its first token in one statement;
 * ending sessions is one short transaction that locks token rows before session rows, the same
 * order rotation takes them in, so the two can never deadlock.
 */
@Injectable()
export class SessionRepository {
  constructor(
    private readonly prisma: PrismaService,
    private readonly statements: PreparedStatements,
  ) {}

  /**
   * Opens a session with its first refresh token; `dpopKey` binds it to a DPoP key. Null when
   * the password changed since it was checked: no session.
   */
  createSession(
    verified: VerifiedPassword,
    tokenHash: Buffer,
    ttl: { idle: number; absolute: number },
    ctx: ClientContext,
    dpopKey: string | null,
  ): Promise<IssuedToken | null> {
    return this.statements.firstRow<IssuedToken>(CREATE_SESSION, [
      verified.userId,
      ttl.absolute,
      ctx.userAgent,
      ctx.ip,
      randomUUID(),
      tokenHash,
      ttl.idle,
      dpopKey,
      verified.passwordStamp,
    ]);
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

  /** A live session's DPoP binding (null key: unbound); null when the session has ended. */
  async findLiveSession(sessionId: string): Promise<{ dpopJkt: string | null } | null> {
    const rows = await this.prisma.$queryRaw<{ dpopJkt: string | null }[]>`
      SELECT dpop_jkt AS "dpopJkt" FROM sessions
       WHERE id = ${sessionId}::uuid AND revoked_at IS NULL AND absolute_expires_at > now()`;
    return rows[0] ?? null;
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
  async endSessions(scope: RevocationScope, reason: string): Promise<RevokedTokens> {
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

  /**
   * Sessions that can never refresh again: past their absolute limit, left without any token
   * (their last one expired and was purged), or ended. Login inserts a session and its first
   * token in one statement, so a new session is never seen without its token. Remaining tokens
   * of a purged session go with it (ON DELETE CASCADE).
   *
   * An ended session stays `keepEndedSeconds` (the longest life of its access tokens): if Redis
   * loses its revocation marker meanwhile, the marker is rebuilt from this row.
   */
  deleteDeadBatch(limit: number, keepEndedSeconds: number): Promise<number> {
    return this.prisma.deleteBatch(
      'sessions',
      Prisma.sql`(revoked_at IS NULL OR revoked_at < now() - make_interval(secs => ${keepEndedSeconds}))
        AND (revoked_at IS NOT NULL OR absolute_expires_at < now()
             OR NOT EXISTS (SELECT 1 FROM refresh_tokens rt WHERE rt.session_id = sessions.id))`,
      limit,
    );
  }
}
