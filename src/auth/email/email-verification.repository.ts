import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';

/** The queries of `email_verifications`; marking the address verified happens in the same statement. */
@Injectable()
export class EmailVerificationRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Stores a new verification token; the user's earlier unused ones stop working (superseded). */
  replace(userId: string, tokenHash: Buffer, ttlSeconds: number): Promise<void> {
    return this.prisma.replaceUnusedToken('email_verifications', userId, tokenHash, ttlSeconds);
  }

  /**
   * Spends a usable token and marks its user's address verified, in one statement: of two
   * concurrent uses exactly one succeeds. Returns the user id, or null (unknown, used, expired).
   */
  async spend(tokenHash: Buffer): Promise<string | null> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH spent AS (
        UPDATE email_verifications SET used_at = now()
         WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now()
        RETURNING user_id
      )
      UPDATE users u SET email_verified_at = COALESCE(u.email_verified_at, now()), updated_at = now()
        FROM spent WHERE u.id = spent.user_id
      RETURNING u.id`;
    return rows[0]?.id ?? null;
  }

  deleteUsedBatch(limit: number): Promise<number> {
    return this.prisma.deleteBatch('email_verifications', Prisma.sql`used_at IS NOT NULL`, limit);
  }

  deleteExpiredBatch(limit: number): Promise<number> {
    return this.prisma.deleteBatch('email_verifications', Prisma.sql`expires_at < now()`, limit);
  }
}
