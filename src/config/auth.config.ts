import { registerAs } from '@nestjs/config';

/** Token lifetimes and secrets. Durations are whole seconds, as in the environment. */
export const authConfig = registerAs('auth', () => ({
  jwtAccessSecret: process.env.JWT_ACCESS_SECRET as string,
  refreshTokenSecret: process.env.REFRESH_TOKEN_SECRET as string,
  accessTokenTtl: Number(process.env.ACCESS_TOKEN_TTL),
  refreshTokenTtl: Number(process.env.REFRESH_TOKEN_TTL),
  refreshTokenAbsoluteTtl: Number(process.env.REFRESH_TOKEN_ABSOLUTE_TTL),
  reuseGrace: Number(process.env.REFRESH_TOKEN_REUSE_GRACE),
  reuseRevokes: process.env.REUSE_REVOKES as 'user' | 'session',
  passwordResetTtl: Number(process.env.PASSWORD_RESET_TTL),
  cleanupCron: process.env.REFRESH_TOKEN_CLEANUP_CRON as string,
  /** Rows per DELETE statement: each batch holds its row locks only for a few milliseconds. */
  cleanupBatchSize: Number(process.env.REFRESH_TOKEN_CLEANUP_BATCH_SIZE),
  /** Pause between batches, leaving room for live traffic. */
  cleanupPauseMs: Number(process.env.REFRESH_TOKEN_CLEANUP_PAUSE_MS),
}));

export type AuthConfig = ReturnType<typeof authConfig>;
