import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';

export type CleanupTable = 'refresh_tokens' | 'password_resets' | 'sessions';

/**
 * One bounded DELETE per call. `FOR UPDATE SKIP LOCKED` never waits for a row a live request
 * holds (a rotation in flight), and each statement commits on its own, so no lock outlives a
 * batch. Each condition is its own pass so that it can use its own index.
 */
@Injectable()
export class TokenCleanupRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Revoked refresh tokens (rotated or revoked). Every revocation sets `revoked` and
   * `revoked_at` together; the condition names the indexed column.
   */
  deleteRevokedRefreshTokens(limit: number): Promise<number> {
    return this.deleteBatch('refresh_tokens', Prisma.sql`revoked_at IS NOT NULL`, limit);
  }

  deleteExpiredRefreshTokens(limit: number): Promise<number> {
    return this.deleteBatch('refresh_tokens', Prisma.sql`expires_at < now()`, limit);
  }

  /** Used or expired password resets. */
  deleteUsedPasswordResets(limit: number): Promise<number> {
    return this.deleteBatch('password_resets', Prisma.sql`used_at IS NOT NULL`, limit);
  }

  deleteExpiredPasswordResets(limit: number): Promise<number> {
    return this.deleteBatch('password_resets', Prisma.sql`expires_at < now()`, limit);
  }

  /**
   * Sessions that can never refresh again: ended, past their absolute limit, or left without
   * any token (their last one expired and was purged). Login inserts a session and its first
   * token in one statement, so a new session is never seen without its token. Remaining
   * tokens of an ended session go with it (ON DELETE CASCADE).
   *
   * An ended session stays `keepEndedSeconds` (the longest life of its access tokens): if Redis
   * loses its revocation marker meanwhile, the marker is rebuilt from this row.
   */
  deleteDeadSessions(limit: number, keepEndedSeconds: number): Promise<number> {
    return this.prisma.$executeRaw`
      DELETE FROM sessions WHERE id IN (
        SELECT s.id FROM sessions s
         WHERE (s.revoked_at IS NULL OR s.revoked_at < now() - make_interval(secs => ${keepEndedSeconds}))
           AND (s.revoked_at IS NOT NULL OR s.absolute_expires_at < now()
                OR NOT EXISTS (SELECT 1 FROM refresh_tokens rt WHERE rt.session_id = s.id))
         LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
  }

  private deleteBatch(table: 'refresh_tokens' | 'password_resets', condition: Prisma.Sql, limit: number): Promise<number> {
    const t = Prisma.raw(table); // one of two constants, never input
    return this.prisma.$executeRaw`
      DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE ${condition} LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
  }
}
