import { Injectable } from '@nestjs/common';
import { Counter } from '../metrics/prometheus';
import { MetricsService, TimedOperation } from '../metrics/metrics.service';

/** What the auth module counts, in the app's Prometheus registry (the names are in README). */
@Injectable()
export class AuthMetrics {
  readonly logins: TimedOperation;
  readonly refreshes: TimedOperation;
  readonly reuseDetections: Counter;
  readonly sessionsRevoked: Counter<'reason'>;
  readonly throttled: Counter<'limit'>;
  readonly redisDataLoss: Counter;
  readonly cleanupRowsDeleted: Counter<'table'>;
  readonly dpopProofsRejected: Counter<'reason'>;
  readonly mfaVerifications: Counter<'outcome' | 'method'>;
  readonly mfaChanges: Counter<'change'>;

  constructor(private readonly metrics: MetricsService) {
    this.logins = metrics.timedOperation({ total: 'auth_logins_total', duration: 'auth_login_duration_seconds' }, 'Login attempts');
    this.refreshes = metrics.timedOperation({ total: 'auth_refreshes_total', duration: 'auth_refresh_duration_seconds' }, 'Refresh attempts');
    this.reuseDetections = metrics.counter('auth_refresh_token_reuse_detected_total', 'Retired refresh tokens presented outside the grace window (theft)');
    this.sessionsRevoked = metrics.counter('auth_sessions_revoked_total', 'Sessions ended, by reason', ['reason']);
    this.throttled = metrics.counter(
      'auth_throttled_requests_total',
      'Requests refused with 429 (login, register, password_forgot), slowed down (login_slowdown) or answered without a mail (password_forgot_email), by limit',
      ['limit'],
    );
    this.redisDataLoss = metrics.counter(
      'auth_redis_data_loss_detected_total',
      'Redis found empty while Postgres has sessions: reuse of purged rotated tokens can no longer be recognised',
    );
    this.dpopProofsRejected = metrics.counter(
      'auth_dpop_proofs_rejected_total',
      'Requests refused for a missing, invalid, replayed or foreign-key DPoP proof, by reason',
      ['reason'],
    );
    this.mfaVerifications = metrics.counter(
      'auth_mfa_verifications_total',
      'Second-factor steps at login, by outcome (success, failure) and method (totp, recovery_code)',
      ['outcome', 'method'],
    );
    this.mfaChanges = metrics.counter('auth_mfa_changes_total', 'Second-factor enrolments, disablings and recovery-code regenerations', ['change']);
    this.cleanupRowsDeleted = metrics.counter('auth_cleanup_rows_deleted_total', 'Rows purged by the token cleanup job, by table', ['table']);
  }

  timeLogin<T>(work: () => Promise<T>): Promise<T> {
    return this.metrics.time(this.logins, work);
  }

  timeRefresh<T>(work: () => Promise<T>): Promise<T> {
    return this.metrics.time(this.refreshes, work);
  }
}
