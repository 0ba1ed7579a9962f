import { HttpException, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export type Outcome = 'success' | 'rejected' | 'throttled' | 'unavailable';

/** Request latencies here are milliseconds to a few hundred (argon2): buckets in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * The service's Prometheus metrics, in a registry of its own (two apps in one process,
 * as in tests, never share counters).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly logins = this.counter('auth_logins_total', 'Login attempts by outcome', ['outcome']);
  readonly refreshes = this.counter('auth_refreshes_total', 'Refresh attempts by outcome', ['outcome']);
  readonly reuseDetections = this.counter(
    'auth_refresh_token_reuse_detected_total',
    'Retired refresh tokens presented outside the grace window (theft)',
  );
  readonly sessionsRevoked = this.counter('auth_sessions_revoked_total', 'Sessions ended, by reason', ['reason']);
  readonly throttled = this.counter('auth_throttled_requests_total', 'Requests refused with 429 (login, register, password_forgot), slowed down (login_slowdown) or answered without a mail (password_forgot_email), by limit', ['limit']);
  readonly redisDataLoss = this.counter(
    'auth_redis_data_loss_detected_total',
    'Redis found empty while Postgres has sessions: reuse of purged rotated tokens can no longer be recognised',
  );
  readonly cleanupRowsDeleted = this.counter('auth_cleanup_rows_deleted_total', 'Rows purged by the token cleanup job, by table', ['table']);
  readonly refreshDuration = this.latency('auth_refresh_duration_seconds', 'Refresh handling time, by outcome');
  readonly loginDuration = this.latency('auth_login_duration_seconds', 'Login handling time, by outcome');

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  private counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private latency(name: string, help: string): Histogram<'outcome'> {
    return new Histogram({ name, help, labelNames: ['outcome'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  }

  /** Runs a login or refresh, counting it and timing it by outcome. */
  async track<T>(kind: 'login' | 'refresh', work: () => Promise<T>): Promise<T> {
    const [counter, histogram] = kind === 'login' ? [this.logins, this.loginDuration] : [this.refreshes, this.refreshDuration];
    const stop = histogram.startTimer();
    let outcome: Outcome = 'success';
    try {
      return await work();
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      counter.inc({ outcome });
      stop({ outcome });
    }
  }
}

function outcomeOf(err: unknown): Outcome {
  const status = err instanceof HttpException ? err.getStatus() : 503;
  if (status === 429) return 'throttled';
  return status < 500 ? 'rejected' : 'unavailable';
}
