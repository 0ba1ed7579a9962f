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
    // Mean 0.85, standard deviation 0.0866, t(2) 4.303: 0.85 ± 0.215.
    expect(text).toContain('| guarded GET /auth/me throughput | ≥ 0.9× | 0.850× (0.800–0.950) | 1 of 3 | 0.635–1.065×: on the line |');
    expect(text).toContain('| guarded GET /auth/me throughput | 0.817× (0.800–0.850) | 0 of 3 | 0.745–0.888×: missed on average | 1.039× (1.000–1.118) |');
    expect(text).toContain('2026-12-01T00-00 (Test CPU): every goal');
    expect(text).toContain('2026-12-02T00-00 (Test CPU): all but guarded GET /auth/me throughput (0.8×)');
    expect(text).not.toContain('2026-12-03T00-00 (Test CPU)'); // missed two: guarded and login
  });

  it("places each goal's mean by its 95 % interval: met, missed or on the line", () => {
    const run = (i: number, guarded: number, heapKb: number) => ({
      name: `2026-12-0${i}T00-00-00.json`,
      results: {
        machine: { cpuModel: 'Test CPU' },
        scenarios: { core: coreResult({ guarded: { product: side(guarded, 1), floor: side(1000, 1) }, memory: { product: memorySide(120, heapKb), floor: memorySide(100, 100) } }) },
      },
    });
    const rowOf = (text: string, goal: string) => text.split('\n').find((line) => line.startsWith(`| ${goal} |`));
    // Guarded 0.93, 0.94, 0.95, 0.96 (mean 0.945, sd 0.0129, t(3) 3.182): 0.924–0.966, every one met.
    // Heap in use 1.49, 1.51, 1.49, 1.51: met in half, the interval across 1.5.
    const text = tally([run(1, 930, 149), run(2, 940, 151), run(3, 950, 149), run(4, 960, 151)]);
    expect(rowOf(text, 'guarded GET /auth/me throughput')).toContain('| 4 of 4 | 0.924–0.966×: met on average |');
    expect(rowOf(text, 'V8 heap in use under the refresh soak')).toMatch(/\| 2 of 4 \| 1\.48\d–1\.51\d×: on the line \|$/);
    // Two runs just over the guarded line and two well under: met in half, a mean (0.848) under
    // the line, but so scattered that its interval (0.750–0.946) crosses it: on the line.
    const scattered = tally([run(1, 901, 150), run(2, 902, 150), run(3, 800, 150), run(4, 790, 150)]);
    expect(rowOf(scattered, 'guarded GET /auth/me throughput')).toMatch(/\| 2 of 4 \| 0\.7\d\d–0\.9\d\d×: on the line \|$/);
    // 0.86, 0.85, 0.87 (sd 0.01, t(2) 4.303): 0.835–0.885, wholly under the line.
    const below = tally([run(1, 860, 150), run(2, 850, 150), run(3, 870, 150)]);
    expect(rowOf(below, 'guarded GET /auth/me throughput')).toContain('| 0 of 3 | 0.835–0.885×: missed on average |');
    expect(tally([run(1, 930, 150), run(2, 940, 150)])).toContain('| 2 of 2 | fewer than three runs |');
  });
});
