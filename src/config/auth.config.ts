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

/** Brute-force limits, counted in Redis so every instance shares them. Windows in seconds. */
export const throttleConfig = registerAs('throttle', () => ({
  loginFailuresPerAccount: Number(process.env.LOGIN_MAX_FAILURES_PER_ACCOUNT),
  loginFailuresPerIp: Number(process.env.LOGIN_MAX_FAILURES_PER_IP),
  loginWindow: Number(process.env.LOGIN_FAILURE_WINDOW),
  /** Wait before each password check of an account with too many failures from all addresses. */
  loginSlowdownMs: Number(process.env.LOGIN_SLOWDOWN_MS),
  forgotPerEmail: Number(process.env.FORGOT_MAX_PER_EMAIL),
  forgotPerIp: Number(process.env.FORGOT_MAX_PER_IP),
  forgotWindow: Number(process.env.FORGOT_WINDOW),
  registerPerIp: Number(process.env.REGISTER_MAX_PER_IP),
  registerWindow: Number(process.env.REGISTER_WINDOW),
}));

export type ThrottleConfig = ReturnType<typeof throttleConfig>;
