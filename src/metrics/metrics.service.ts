import { HttpException, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, registerDefaultMetrics } from './prometheus';
import { isInfrastructureUnavailable } from '../common/infrastructure-errors';

/** How an operation ended, as its counter and latency histogram label it. */
export type Outcome = 'success' | 'rejected' | 'throttled' | 'unavailable' | 'error';

const OUTCOME_LABELS: Readonly<Record<Outcome, Readonly<{ outcome: Outcome }>>> = Object.freeze({
  success: Object.freeze({ outcome: 'success' }),
  rejected: Object.freeze({ outcome: 'rejected' }),
  throttled: Object.freeze({ outcome: 'throttled' }),
  unavailable: Object.freeze({ outcome: 'unavailable' }),
  error: Object.freeze({ outcome: 'error' }),
});

/** Request latencies here are milliseconds to a few hundred (argon2): buckets in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** A counted and timed operation: its counter and histogram, both labelled by outcome. */
export interface TimedOperation {
  count: Counter<'outcome'>;
  duration: Histogram<'outcome'>;
}

/**
 * The process's Prometheus registry (one per app: two apps in one process, as in tests, never
 * share counters) and the means for features to define and record their own metrics. It knows
 * no feature: each registers what it measures.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    registerDefaultMetrics(this.registry);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A counter (`names.total`) and a latency histogram (`names.duration`), both by outcome. */
  timedOperation(names: { total: string; duration: string }, what: string): TimedOperation {
    return {
      count: this.counter(names.total, `${what} by outcome`, ['outcome']),
      duration: new Histogram({
        name: names.duration,
        help: `${what} handling time, by outcome`,
        labelNames: ['outcome'],
        buckets: LATENCY_BUCKETS,
        registers: [this.registry],
      }),
    };
  }

  /**
   * Runs `work`, counting it and timing it by outcome. Every refresh and login passes here: one
   * label object per outcome, made once, and a plain timestamp, so the wrapper allocates little.
   */
  async time<T>(operation: TimedOperation, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let labels = OUTCOME_LABELS.success;
    try {
      return await work();
    } catch (err) {
      labels = OUTCOME_LABELS[outcomeOf(err)];
      throw err;
    } finally {
      operation.count.inc(labels);
      operation.duration.observe(labels, (performance.now() - started) / 1000);
    }
  }
}

/** As the exception filter answers: 4xx rejected (429 throttled), 503 unavailable, anything else an error. */
export function outcomeOf(err: unknown): Outcome {
  if (err instanceof HttpException) {
    const status = err.getStatus();
    if (status === 429) return 'throttled';
    if (status === 503) return 'unavailable';
    return status < 500 ? 'rejected' : 'error';
  }
  return isInfrastructureUnavailable(err) ? 'unavailable' : 'error';
}
