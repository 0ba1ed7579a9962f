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

  readonly logins = new Counter({
    name: 'auth_logins_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly refreshes = new Counter({
    name: 'auth_refreshes_total',
    help: 'Refresh attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly reuseDetections = new Counter({
    name: 'auth_refresh_token_reuse_detected_total',
    help: 'Retired refresh tokens presented outside the grace window (theft)',
    registers: [this.registry],
  });
  readonly sessionsRevoked = new Counter({
    name: 'auth_sessions_revoked_total',
    help: 'Sessions ended, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly throttled = new Counter({
    name: 'auth_throttled_requests_total',
    help: 'Requests refused with 429, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly cleanupRowsDeleted = new Counter({
    name: 'auth_cleanup_rows_deleted_total',
    help: 'Rows purged by the token cleanup job, by table',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly refreshDuration = new Histogram({
    name: 'auth_refresh_duration_seconds',
    help: 'Refresh handling time, by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly loginDuration = new Histogram({
    name: 'auth_login_duration_seconds',
    help: 'Login handling time, by outcome',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
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
