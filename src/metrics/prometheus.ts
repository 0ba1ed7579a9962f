import type * as prom from 'prom-client';

/*
 * prom-client's index loads everything it has: the push gateway, the cluster aggregator, the
 * summary with its t-digest, and, through its CPU metric, @opentelemetry/api (34 modules, for
 * exemplars this API does not use). The registry, the counter, the histogram and the default
 * metrics but that one are ~0.3 MB less live heap for the life of the process (BENCHMARKS.md,
 * "Loading less"). The package has no "exports" map, so these files are public paths; their
 * types are the index's.
 */
export const Registry: typeof prom.Registry = require('prom-client/lib/registry');
export type Registry = prom.Registry;
export const Counter: typeof prom.Counter = require('prom-client/lib/counter');
export type Counter<L extends string = string> = prom.Counter<L>;
export const Histogram: typeof prom.Histogram = require('prom-client/lib/histogram');
export type Histogram<L extends string = string> = prom.Histogram<L>;

/** prom-client's default metrics (`collectDefaultMetrics`), in its order, but the CPU one. */
const DEFAULT_METRICS = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
  'gc',
] as const;

type DefaultMetric = (register: Registry, config: { eventLoopMonitoringPrecision: number }) => void;

/**
 * The metrics `collectDefaultMetrics({ register })` registers, under the same names and help
 * texts (metrics.service.spec.ts compares the two): each of prom-client's own, and the three
 * process CPU counters as its CPU metric counts them, without exemplars.
 */
export function registerDefaultMetrics(register: Registry): void {
  registerProcessCpu(register);
  for (const name of DEFAULT_METRICS) {
    // As prom-client: only where Node has it (it has since 17.3).
    if (name === 'processResources' && typeof process.getActiveResourcesInfo !== 'function') continue;
    const metric = require(`prom-client/lib/metrics/${name}`) as DefaultMetric;
    metric(register, { eventLoopMonitoringPrecision: 10 });
  }
}

function registerProcessCpu(register: Registry): void {
  const registers = [register];
  let last = process.cpuUsage();
  new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    // One collect sets all three, from one cpuUsage() sample.
    collect() {
      const now = process.cpuUsage();
      const user = (now.user - last.user) / 1e6;
      const sys = (now.system - last.system) / 1e6;
      last = now;
      this.inc(user);
      system.inc(sys);
      total.inc(user + sys);
    },
  });
  const system = new Counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', registers });
  const total = new Counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers });
}
