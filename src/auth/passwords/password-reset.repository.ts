import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';

/** The queries of `password_resets` (setting the password itself is the users repository's). */
@Injectable()
export class PasswordResetRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Stores a new reset token; the user's earlier unused ones stop working (superseded). */
  async replace(userId: string, tokenHash: Buffer, ttlSeconds: number): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.$executeRaw`DELETE FROM password_resets WHERE user_id = ${userId}::uuid AND used_at IS NULL`,
      this.prisma.$executeRaw`
        INSERT INTO password_resets (id, user_id, token_hash, expires_at)
        VALUES (gen_random_uuid(), ${userId}::uuid, ${tokenHash}, now() + make_interval(secs => ${ttlSeconds}))`,
    ]);
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
