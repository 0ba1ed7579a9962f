// Issue #20's goals as the bench reads them from a core run (bench/goals.js): each compared on
// the unrounded ratio, so a run just past a line does not pass on rounding.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { goalsOf, goalRows, tally } = require('../../bench/goals') as {
  goalsOf: (core: unknown) => { goal: string; line: string; value: number; met: boolean }[];
  goalRows: (goals: unknown[]) => string[];
  tally: (runs: { name: string; results: unknown }[]) => string;
};

const side = (rps: number, p99: number) => ({ rps, p99 });
const memorySide = (rssKb: number, heapKb: number) => ({ rss: { late: { meanKb: rssKb } }, heap: { late: { meanKb: heapKb } } });

/** A core result whose every ratio is `at` the goal's line, then moved by `overrides`. */
function coreResult(overrides: Record<string, unknown> = {}) {
  return {
    refresh: { 1: { product: side(900, 13), floor: side(1000, 10) }, 16: { product: side(900, 13), floor: side(1000, 10) } },
    guarded: { product: side(900, 1), floor: side(1000, 1) },
    login: { product: side(9, 1), floor: side(10, 1) },
    loginParity: { unknownEmail: { p50: 110 }, wrongPassword: { p50: 100 } },
    memory: { product: memorySide(150, 150), floor: memorySide(100, 100) },
    ...overrides,
  };
}

const verdicts = (core: unknown) => Object.fromEntries(goalsOf(core).map((g) => [g.goal, g.met]));

describe('bench goals', () => {
  it('counts a ratio exactly on its line as met, one per connection count', () => {
    const goals = goalsOf(coreResult());
    expect(goals.map((g) => g.goal)).toEqual([
      'refresh throughput, 1 conn.',
      'refresh throughput, 16 conn.',
      'refresh p99, 1 conn.',
      'refresh p99, 16 conn.',
      'guarded GET /auth/me throughput',
      'login throughput',
      'login parity, unknown email ÷ wrong password p50',
      'RSS under the refresh soak',
      'V8 heap in use under the refresh soak',
    ]);
    expect(goals.every((g) => g.met)).toBe(true);
  });

  it('misses a goal by less than rounding would show', () => {
    const core = coreResult({
      guarded: { product: side(899.6, 1), floor: side(1000, 1) },
      memory: { product: memorySide(150, 150.06), floor: memorySide(100, 100) },
      loginParity: { unknownEmail: { p50: 89.9 }, wrongPassword: { p50: 100 } },
    });
    expect(verdicts(core)).toMatchObject({
      'guarded GET /auth/me throughput': false,
      'V8 heap in use under the refresh soak': false,
      'login parity, unknown email ÷ wrong password p50': false,
      'RSS under the refresh soak': true,
    });
    const p99 = coreResult({ refresh: { 64: { product: side(1000, 13.01), floor: side(1000, 10) } } });
    expect(verdicts(p99)).toEqual(expect.objectContaining({ 'refresh throughput, 64 conn.': true, 'refresh p99, 64 conn.': false }));
  });

  it('leaves out what the run did not measure, and says how many were met', () => {
    const goals = goalsOf(coreResult({ memory: undefined, login: undefined, loginParity: { unknownEmail: { p50: 130 }, wrongPassword: { p50: 100 } } }));
    expect(goals).toHaveLength(6);
    expect(goalRows(goals)[0]).toContain('met 5 of 6');
    expect(goalRows(goals).filter((line) => line.endsWith('| **no** |'))).toHaveLength(1);
  });

  it('tallies saved runs: met counts, the runs within one goal, and the Nest rung beside the floor', () => {
    const run = (name: string, core: unknown) => ({ name, results: { machine: { cpuModel: 'Test CPU' }, scenarios: { core } } });
    const withRung = (product: number, rung: number) => ({ product: side(product, 1), floor: side(1000, 1), peers: { 'floor in Nest': side(rung, 1) } });
    const text = tally([
      run('2026-12-01T00-00-00.json', coreResult({ guarded: withRung(950, 850) })),
      run('2026-12-02T00-00-00.json', coreResult({ guarded: withRung(800, 800) })),
      run('2026-12-03T00-00-00.json', coreResult({ guarded: withRung(800, 800), login: { product: side(5, 1), floor: side(10, 1) } })),
    ]);
    expect(text).toContain('| guarded GET /auth/me throughput | ≥ 0.9× | 0.850× (0.800–0.950) | 1 of 3 |');
    expect(text).toContain('| guarded GET /auth/me throughput | 0.817× (0.800–0.850) | 0 of 3 | 1.039× (1.000–1.118) |');
    expect(text).toContain('2026-12-01T00-00 (Test CPU): every goal');
    expect(text).toContain('2026-12-02T00-00 (Test CPU): all but guarded GET /auth/me throughput (0.8×)');
    expect(text).not.toContain('2026-12-03T00-00 (Test CPU)'); // missed two: guarded and login
  });
});
