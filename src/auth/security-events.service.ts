import { Injectable } from '@nestjs/common';
import { JsonLogger } from '../logging/json-logger.service';
import { AuthMetrics } from './auth-metrics';
import type { RevocationReason } from './tokens/revocation-reason';

const CONTEXT = 'SecurityEvent';

export type MfaEvent = 'mfa_enrolled' | 'mfa_disabled' | 'mfa_recovery_codes_regenerated' | 'mfa_verified' | 'mfa_failed';

export type LoginFailure = 'invalid_credentials' | 'password_changed';

export interface SecurityEventContext {
  userId?: string;
  sessionId?: string;
  ip?: string | null;
  userAgent?: string | null;
  /** Ties the event to the request's access-log record and X-Request-Id. */
  requestId?: string | null;
}

/**
 * Security events as their own structured log records (`event` names them) and as metrics,
 * so they can be alerted on. Only identifiers and request metadata: never a token, password
 * or secret, and no email address either.
 */
@Injectable()
export class SecurityEventsService {
  constructor(
    private readonly metrics: AuthMetrics,
    // This app's own logger, not Nest's process-wide static one: with several apps in one
    // process (tests, embedding) every event still lands in the log of the app it happened in.
    private readonly logger: JsonLogger,
  ) {}

  refreshTokenReuse(ctx: SecurityEventContext & { revoked: 'user' | 'session'; sessionsEnded: number }): void {
    this.metrics.reuseDetections.inc();
    this.logger.warn({ event: 'refresh_token_reuse_detected', ...ctx, msg: 'refresh_token_reuse_detected' }, CONTEXT);
  }

  /**
   * `password_changed`: the password was right when checked but was reset or changed before the
   * session opened, so someone signed in with the old one while it was being replaced.
   */
  loginFailed(ctx: SecurityEventContext & { reason: LoginFailure }): void {
    this.logger.log({ event: 'login_failed', ...ctx, msg: 'login_failed' }, CONTEXT);
  }

  /** Every ending of sessions: logout, logout-all, reuse, session revocation, password reset/change. */
  sessionsRevoked(ctx: { userId: string; sessionIds: string[]; reason: RevocationReason; scope: 'user' | 'session' }): void {
    if (!ctx.sessionIds.length) return; // a repeated logout ends nothing new
    this.metrics.sessionsRevoked.inc({ reason: ctx.reason }, ctx.sessionIds.length);
    // user_revoked: every session of the user (reuse, logout-all, reset); session_revoked: one.
    const event = ctx.scope === 'user' ? 'user_revoked' : 'session_revoked';
    this.logger.log({ event, ...ctx, msg: event }, CONTEXT);
  }

  /** Redis lost its data: an operator must know (see README, "Redis persistence"). */
  redisDataLoss(ctx: { sessionMarkersRestored: number }): void {
    this.metrics.redisDataLoss.inc();
    this.logger.error({ event: 'redis_data_loss_detected', ...ctx, msg: 'redis_data_loss_detected' }, CONTEXT);
  }

  /** A DPoP proof refused: with `wrong_key` or `missing` on a bound session, likely a copied token. */
  dpopProofRejected(ctx: SecurityEventContext & { reason: string }): void {
    this.metrics.dpopProofsRejected.inc({ reason: ctx.reason });
    this.logger.warn({ event: 'dpop_proof_rejected', ...ctx, msg: 'dpop_proof_rejected' }, CONTEXT);
  }

  emailVerified(ctx: SecurityEventContext): void {
    this.logger.log({ event: 'email_verified', ...ctx, msg: 'email_verified' }, CONTEXT);
  }

  /** Second factor: enrolled, disabled, recovery codes regenerated, a login step passed or failed. */
  mfa(event: MfaEvent, ctx: SecurityEventContext & { method?: 'totp' | 'recovery_code'; reason?: string }): void {
    if (event === 'mfa_verified' || event === 'mfa_failed') {
      this.metrics.mfaVerifications.inc({ outcome: event === 'mfa_verified' ? 'success' : 'failure', method: ctx.method ?? 'totp' });
    } else {
      this.metrics.mfaChanges.inc({ change: event });
    }
    const level = event === 'mfa_failed' ? 'warn' : 'log';
    this.logger[level]({ event, ...ctx, msg: event }, CONTEXT);
  }

  passwordResetRequested(ctx: SecurityEventContext & { accountFound: boolean }): void {
    this.logger.log({ event: 'password_reset_requested', ...ctx, msg: 'password_reset_requested' }, CONTEXT);
  }
}
