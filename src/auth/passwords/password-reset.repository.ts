import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';

/** The queries of `password_resets` (setting the password itself is the users repository's). */
@Injectable()
export class PasswordResetRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Stores a new reset token; the user's earlier unused ones stop working (superseded). */
  replace(userId: string, tokenHash: Buffer, ttlSeconds: number): Promise<void> {
    return this.prisma.replaceUnusedToken('password_resets', userId, tokenHash, ttlSeconds);
  }

  /** The account a usable (unused, unexpired) reset token belongs to. */
  async findUsable(tokenHash: Buffer): Promise<{ userId: string; email: string } | null> {
    const rows = await this.prisma.$queryRaw<{ userId: string; email: string }[]>`
      SELECT u.id AS "userId", u.email FROM password_resets r JOIN users u ON u.id = r.user_id
       WHERE r.token_hash = ${tokenHash} AND r.used_at IS NULL AND r.expires_at > now()`;
    return rows[0] ?? null;
  }

  deleteUsedBatch(limit: number): Promise<number> {
    return this.prisma.deleteBatch('password_resets', Prisma.sql`used_at IS NOT NULL`, limit);
  }

  deleteExpiredBatch(limit: number): Promise<number> {
    return this.prisma.deleteBatch('password_resets', Prisma.sql`expires_at < now()`, limit);
  }
}
