import { BadRequestException, InternalServerErrorException, ServiceUnavailableException } from '@nestjs/common';
import { TooManyRequestsException } from '../common/too-many-requests.exception';
import { MetricsService, outcomeOf } from './metrics.service';

describe('outcomeOf (as the exception filter answers)', () => {
  it.each([
    ['a 4xx', new BadRequestException('x'), 'rejected'],
    ['a 429', new TooManyRequestsException(3), 'throttled'],
    ['a 503', new ServiceUnavailableException(), 'unavailable'],
    ['Postgres or Redis unreachable', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'unavailable'],
    ['a programming error (the filter answers 500)', new TypeError('x is not a function'), 'error'],
    ['an explicit 500', new InternalServerErrorException(), 'error'],
  ])('%s → %s', (_name, err, outcome) => {
    expect(outcomeOf(err)).toBe(outcome);
  });

  it('counts and times an operation by its outcome', async () => {
    const metrics = new MetricsService();
    const op = metrics.timedOperation({ total: 'op_total', duration: 'op_duration_seconds' }, 'Op');
    await metrics.time(op, async () => 1);
    await expect(metrics.time(op, async () => Promise.reject(new TypeError('bug')))).rejects.toThrow('bug');
    const text = await metrics.registry.metrics();
    expect(text).toContain('op_total{outcome="success"} 1');
    expect(text).toContain('op_total{outcome="error"} 1');
    expect(text).toContain('op_duration_seconds_count{outcome="error"} 1');
  });
});

describe('default metrics (prometheus.ts loads prom-client file by file)', () => {
  const shape = async (registry: { getMetricsAsJSON(): Promise<{ name: string; help: string; type: unknown }[]> | { name: string; help: string; type: unknown }[] }) =>
    (await registry.getMetricsAsJSON()).map(({ name, help, type }) => ({ name, help, type }));

  it('are those of collectDefaultMetrics: same names, help texts, types and order', async () => {
    // The index, here only: what an app using prom-client as documented registers.
    const prom = jest.requireActual<typeof import('prom-client')>('prom-client');
    const theirs = new prom.Registry();
    prom.collectDefaultMetrics({ register: theirs });
    const ours = new MetricsService().registry;
    const expected = await shape(theirs);
    expect(expected.length).toBeGreaterThan(20);
    expect(await shape(ours)).toEqual(expected);
  });

  it('count the process CPU time, user + system = total', async () => {
    const registry = new MetricsService().registry;
    // 50 ms of this process's own user CPU, not of wall time: on a loaded machine (CI running
    // beside other work) 50 ms of wall time can be less than 30 ms of CPU.
    const started = process.cpuUsage();
    const giveUpAt = performance.now() + 5000;
    while (process.cpuUsage(started).user < 50_000 && performance.now() < giveUpAt);
    const value = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0].value;
    const user = await value('process_cpu_user_seconds_total');
    const system = await value('process_cpu_system_seconds_total');
    const total = await value('process_cpu_seconds_total');
    expect(user).toBeGreaterThanOrEqual(0.03);
    expect(total).toBeCloseTo(user + system, 6);
  });
});
