import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../prisma/prisma.service';

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

  /**
   * Spends the token and sets the new password hash in one statement: of two concurrent
   * resets with one token, the row lock lets exactly one through. Returns the user id, or
   * null when the token was already spent or expired.
   */
  async consumeAndSetPassword(tokenHash: Buffer, passwordHash: string): Promise<string | null> {
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH spent AS (
        UPDATE password_resets SET used_at = now()
         WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now()
        RETURNING user_id
      ), others AS (
        UPDATE password_resets SET used_at = now()
         WHERE user_id = (SELECT user_id FROM spent) AND used_at IS NULL AND token_hash <> ${tokenHash}
      )
      UPDATE users u SET password_hash = ${passwordHash}, updated_at = now()
        FROM spent WHERE u.id = spent.user_id
      RETURNING u.id`;
    return rows[0]?.id ?? null;
  }

  /**
   * Sets a signed-in user's new password and retires every unused reset link in the same
   * statement: a link mailed before the change must not undo it.
   */
  async setPasswordRetiringResets(userId: string, passwordHash: string): Promise<void> {
    await this.prisma.$executeRaw`
      WITH retired AS (
        UPDATE password_resets SET used_at = now() WHERE user_id = ${userId}::uuid AND used_at IS NULL
      )
      UPDATE users SET password_hash = ${passwordHash}, updated_at = now() WHERE id = ${userId}::uuid`;
  }
}
