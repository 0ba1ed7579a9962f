import { registerAs } from '@nestjs/config';
import { environment } from './env.validation';

/** Token lifetimes and secrets. Durations are whole seconds, as in the environment. */
export const authConfig = registerAs('auth', () => {
  const env = environment();
  return {
    jwtAccessSecret: env.JWT_ACCESS_SECRET,
    /**
     * `iss` and `aud` of access tokens, written and then required when set: a token of another
     * issuer or meant for another service is refused even if it shares the secret. Null: neither.
     */
    jwtIssuer: env.JWT_ISSUER ?? null,
    jwtAudience: env.JWT_AUDIENCE ?? null,
    refreshTokenSecret: env.REFRESH_TOKEN_SECRET,
    /**
     * While a secret rotates, the one before it: access tokens it signed still verify, and
     * refresh, reset and verification tokens hashed under it are still found. Never used to
     * issue anything. Null: no rotation in progress.
     */
    jwtAccessSecretPrevious: env.JWT_ACCESS_SECRET_PREVIOUS ?? null,
    refreshTokenSecretPrevious: env.REFRESH_TOKEN_SECRET_PREVIOUS ?? null,
    accessTokenTtl: env.ACCESS_TOKEN_TTL,
    refreshTokenTtl: env.REFRESH_TOKEN_TTL,
    refreshTokenAbsoluteTtl: env.REFRESH_TOKEN_ABSOLUTE_TTL,
    reuseGrace: env.REFRESH_TOKEN_REUSE_GRACE,
    reuseRevokes: env.REUSE_REVOKES,
    passwordResetTtl: env.PASSWORD_RESET_TTL,
    emailVerificationTtl: env.EMAIL_VERIFICATION_TTL,
    /** Logins of unverified addresses get 403; registration no longer tells who has an account. */
    requireVerifiedEmail: env.REQUIRE_VERIFIED_EMAIL,
    cleanupCron: env.REFRESH_TOKEN_CLEANUP_CRON,
    /** Rows per DELETE statement: each batch holds its row locks only for a few milliseconds. */
    cleanupBatchSize: env.REFRESH_TOKEN_CLEANUP_BATCH_SIZE,
    /** Pause between batches, leaving room for live traffic. */
    cleanupPauseMs: env.REFRESH_TOKEN_CLEANUP_PAUSE_MS,
  };
});

export type AuthConfig = ReturnType<typeof authConfig>;

/** Brute-force limits, counted in Redis so every instance shares them. Windows in seconds. */
export const throttleConfig = registerAs('throttle', () => {
  const env = environment();
  return {
    loginFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    loginFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP,
    loginWindow: env.LOGIN_FAILURE_WINDOW,
    /** Wait before each password check of an account with too many failures from all addresses. */
    loginSlowdownMs: env.LOGIN_SLOWDOWN_MS,
    forgotPerEmail: env.FORGOT_MAX_PER_EMAIL,
    forgotPerIp: env.FORGOT_MAX_PER_IP,
    forgotWindow: env.FORGOT_WINDOW,
    registerPerIp: env.REGISTER_MAX_PER_IP,
    registerWindow: env.REGISTER_WINDOW,
    verifyResendPerEmail: env.VERIFY_RESEND_MAX_PER_EMAIL,
    verifyResendPerIp: env.VERIFY_RESEND_MAX_PER_IP,
    verifyResendWindow: env.VERIFY_RESEND_WINDOW,
    mfaFailuresPerAccount: env.MFA_MAX_FAILURES_PER_ACCOUNT,
    mfaWindow: env.MFA_FAILURE_WINDOW,
  };
});

export type ThrottleConfig = ReturnType<typeof throttleConfig>;

/** Sender-constrained sessions (DPoP, RFC 9449). */
export const dpopConfig = registerAs('dpop', () => {
  const env = environment();
  return {
    proofMaxAgeSeconds: env.DPOP_PROOF_MAX_AGE,
    nonceRequired: env.DPOP_NONCE_REQUIRED,
    requiredForBodyLogin: env.DPOP_REQUIRED_FOR_BODY_LOGIN,
    /** Origin of the `htu` every proof must name; null: the request's own, as TRUST_PROXY reads it. */
    publicOrigin: env.PUBLIC_ORIGIN ? new URL(env.PUBLIC_ORIGIN).origin : null,
    /**
     * The nonce MAC keys are derived from these secrets (the first issues), so every instance
     * accepts every nonce, also while REFRESH_TOKEN_SECRET rotates.
     */
    nonceSecrets: [env.REFRESH_TOKEN_SECRET, ...(env.REFRESH_TOKEN_SECRET_PREVIOUS ? [env.REFRESH_TOKEN_SECRET_PREVIOUS] : [])],
  };
});

export type DpopConfig = ReturnType<typeof dpopConfig>;

/** The TOTP second factor. */
export const mfaConfig = registerAs('mfa', () => {
  const env = environment();
  return {
    issuer: env.MFA_ISSUER,
    /**
     * TOTP secrets are encrypted, and recovery codes hashed, under keys derived from this. Never
     * the rotating REFRESH_TOKEN_SECRET while it rotates: validation then requires the key.
     */
    encryptionSecret: env.MFA_ENCRYPTION_KEY || env.REFRESH_TOKEN_SECRET,
    ticketTtlSeconds: env.MFA_TICKET_TTL,
    /** Wrong codes one login ticket survives (RFC 6238 login step); the next failure kills it. */
    ticketMaxFailures: 5,
  };
});

export type MfaConfig = ReturnType<typeof mfaConfig>;
