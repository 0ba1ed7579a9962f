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
