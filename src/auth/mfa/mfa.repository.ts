import { Injectable } from '@nestjs/common';
import { Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../prisma/prisma.service';

export interface TotpFactorRecord {
  secret: Buffer;
  enabled: boolean;
}

/** The queries of `totp_factors` and `mfa_recovery_codes`. Every "use once" is one UPDATE. */
@Injectable()
export class MfaRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Stores a pending secret (replacing an earlier pending one); false when a factor is already enabled. */
  async savePending(userId: string, encryptedSecret: Buffer): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`
      INSERT INTO totp_factors (user_id, secret) VALUES (${userId}::uuid, ${encryptedSecret})
      ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_used_step = NULL
        WHERE totp_factors.enabled_at IS NULL
      RETURNING user_id`;
    return rows.length > 0;
  }

  async findFactor(userId: string): Promise<TotpFactorRecord | null> {
    const rows = await this.prisma.$queryRaw<TotpFactorRecord[]>`
      SELECT secret, enabled_at IS NOT NULL AS enabled FROM totp_factors WHERE user_id = ${userId}::uuid`;
    return rows[0] ?? null;
  }

  /**
   * Enables the pending factor, spending the step of its first code, and stores the recovery
   * codes, in one transaction. False when there is no pending factor (or it was enabled meanwhile).
   */
  async enable(userId: string, step: number, recoveryCodeHashes: Buffer[]): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const enabled = await tx.$queryRaw<unknown[]>`
        UPDATE totp_factors SET enabled_at = now(), last_used_step = ${step}
         WHERE user_id = ${userId}::uuid AND enabled_at IS NULL RETURNING user_id`;
      if (!enabled.length) return false;
      await this.insertRecoveryCodes(tx, userId, recoveryCodeHashes);
      return true;
    });
  }

  /** Accepts a time step once per user: it only moves forward, so a seen code cannot be replayed. */
  async acceptStep(userId: string, step: number): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`
      UPDATE totp_factors SET last_used_step = ${step}
       WHERE user_id = ${userId}::uuid AND enabled_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < ${step})
      RETURNING user_id`;
    return rows.length > 0;
  }

  /**
   * Spends a recovery code, given its hash under each key in use; false when it is unknown or
   * already used.
   */
  async useRecoveryCode(userId: string, codeHashes: Buffer[]): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<unknown[]>`
      UPDATE mfa_recovery_codes SET used_at = now()
       WHERE user_id = ${userId}::uuid AND code_hash IN (${Prisma.join(codeHashes)}) AND used_at IS NULL
      RETURNING id`;
    return rows.length > 0;
  }

  /** The user's earlier codes stop working; only these remain. */
  async replaceRecoveryCodes(userId: string, codeHashes: Buffer[]): Promise<void> {
    await this.prisma.$transaction((tx) => this.insertRecoveryCodes(tx, userId, codeHashes));
  }

  async remainingRecoveryCodes(userId: string): Promise<number> {
    const rows = await this.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = ${userId}::uuid AND used_at IS NULL`;
    return rows[0].n;
  }

  /** Removes the factor and every recovery code. */
  async disable(userId: string): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.$executeRaw`DELETE FROM mfa_recovery_codes WHERE user_id = ${userId}::uuid`,
      this.prisma.$executeRaw`DELETE FROM totp_factors WHERE user_id = ${userId}::uuid`,
    ]);
  }

  private async insertRecoveryCodes(tx: Pick<PrismaService, '$executeRaw'>, userId: string, codeHashes: Buffer[]): Promise<void> {
    await tx.$executeRaw`DELETE FROM mfa_recovery_codes WHERE user_id = ${userId}::uuid`;
    for (const hash of codeHashes) {
      await tx.$executeRaw`INSERT INTO mfa_recovery_codes (id, user_id, code_hash) VALUES (gen_random_uuid(), ${userId}::uuid, ${hash})`;
    }
  }
}
