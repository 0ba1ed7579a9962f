#!/usr/bin/env node
// Issue #20's goals, read from a core run's results: `goalsOf(core)` gives each goal's value in
// that run and whether it was met (bench/run.js prints them after the core tables). Run alone,
// it tallies the saved runs, so the "At a glance" figures of BENCHMARKS.md can be recomputed:
//   node bench/goals.js [--since 2026-12-06T20:12] [--until ISO] [--cpu 'AMD EPYC']
// Ratios are recomputed from the unrounded figures: a run at 0.8996× or 1.5004× has missed.
// Beside each goal's met count, the 95 % interval of its mean over the runs says whether the
// product meets it on average, misses it, or sits on its line (the runs scatter with the machine).

/** Each goal: what it reads from a core result (undefined: not measured in that run), and its line. */
function goalList(core) {
  const refresh = Object.entries(core.refresh ?? {});
  const memory = core.memory;
  const memoryRatio = (key) => memory && memory.product[key].late.meanKb / memory.floor[key].late.meanKb;
  const parity = core.loginParity;
  return [
    ...refresh.map(([c, r]) => ({ goal: `refresh throughput, ${c} conn.`, line: '≥ 0.9×', value: r.product.rps / r.floor.rps, met: (v) => v >= 0.9 })),
    ...refresh.map(([c, r]) => ({ goal: `refresh p99, ${c} conn.`, line: '≤ 1.3×', value: r.product.p99 / r.floor.p99, met: (v) => v <= 1.3 })),
    { goal: 'guarded GET /auth/me throughput', line: '≥ 0.9×', value: core.guarded && core.guarded.product.rps / core.guarded.floor.rps, met: (v) => v >= 0.9 },
    { goal: 'login throughput', line: '≥ 0.9×', value: core.login && core.login.product.rps / core.login.floor.rps, met: (v) => v >= 0.9 },
    {
      goal: 'login parity, unknown email ÷ wrong password p50',
      line: 'within ±10 %',
      value: parity && parity.unknownEmail.p50 / parity.wrongPassword.p50,
      met: (v) => v >= 0.9 && v <= 1.1,
    },
    { goal: 'RSS under the refresh soak', line: '≤ 1.5×', value: memoryRatio('rss'), met: (v) => v <= 1.5 },
    { goal: 'V8 heap in use under the refresh soak', line: '≤ 1.5×', value: memoryRatio('heap'), met: (v) => v <= 1.5 },
  ];
}

/**
 * The goals this core result measured: `{ goal, line, value, met }`, value the product ÷ the floor
 * to four places (enough to show why 0.8996× missed), `met` decided on the unrounded ratio.
 */
function goalsOf(core) {
  return goalList(core)
    .filter((g) => Number.isFinite(g.value))
    .map(({ goal, line, value, met }) => ({ goal, line, value: Math.round(value * 10000) / 10000, met: met(value) }));
}

/** Markdown lines for one run's goals (bench/run.js). */
function goalRows(goals) {
  const met = goals.filter((g) => g.met).length;
  return [
    `Issue #20's goals in this run (product ÷ floor, each compared unrounded): **met ${met} of ${goals.length}**.`,
    '',
    '| goal | line | this run | met |',
    '|---|---|---|---|',
    ...goals.map((g) => `| ${g.goal} | ${g.line} | ${g.value}× | ${g.met ? 'yes' : '**no**'} |`),
  ];
}

/** The saved core runs (bench/results/*.json) between `since` and `until`, oldest first. */
function savedRuns({ since = '', until = '9999', cpu = '' } = {}) {
  const fs = require('node:fs');
  const path = require('node:path');
  const dir = path.join(__dirname, 'results');
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ name, results: JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) }))
    .filter(({ results }) => results.date >= since && results.date < until && results.machine.cpuModel.includes(cpu))
    .filter(({ results }) => results.scenarios.core && !results.scenarios.core.error)
    .filter(({ results }) => !(results.machine.serverNodeFlags ?? []).length);
}

/**
 * The throughput goals as the floor's own handlers behind one bare Nest controller meet them
 * (the rung "floor in Nest"): what Nest's router alone leaves of the floor's throughput.
 */
function nestRungGoals(core) {
  const rung = (comparison) => comparison?.peers?.['floor in Nest'];
  const rows = [
    ...Object.entries(core.refresh ?? {}).map(([c, r]) => [`refresh throughput, ${c} conn.`, r]),
    ['guarded GET /auth/me throughput', core.guarded],
  ];
  return rows
    .filter(([, comparison]) => rung(comparison))
    .map(([goal, comparison]) => ({ goal, rung: rung(comparison).rps / comparison.floor.rps, product: comparison.product.rps / rung(comparison).rps }));
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
const fixed = (v) => v.toFixed(3);
const meanAndRange = (values) => `${fixed(mean(values))}× (${fixed(Math.min(...values))}–${fixed(Math.max(...values))})`;

/** Student's t 97.5 % quantiles for 2 to 9 degrees of freedom. */
const T975_SMALL = [4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262];

/** Student's t 97.5 % quantile for `df` ≥ 2 degrees of freedom (from 10 on Cornish–Fisher's series, within 0.1 %). */
function tQuantile975(df) {
  if (df < 10) return T975_SMALL[df - 2];
  const z = 1.959964;
  return (
    z +
    (z ** 3 + z) / (4 * df) +
    (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) +
    (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3)
  );
}

/**
 * The 95 % interval of a goal's mean over the runs (Student's t, the runs taken as independent
 * draws of one product's ratio), and where it lies: wholly on the goal's side ("met on
 * average"), wholly off it ("missed on average"), or across the line. One run's ratio scatters
 * with the machine; the mean is the product's. Null below three runs.
 */
function meanInterval(values, met) {
  if (values.length < 3) return null;
  const m = mean(values);
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
  const half = (tQuantile975(values.length - 1) * sd) / Math.sqrt(values.length);
  const ends = [m - half, m, m + half].map(met);
  const verdict = ends.every(Boolean) ? 'met on average' : ends.some(Boolean) ? 'on the line' : 'missed on average';
  return { low: m - half, high: m + half, verdict };
}

const intervalText = (interval) => (interval ? `${fixed(interval.low)}–${fixed(interval.high)}×: ${interval.verdict}` : 'fewer than three runs');

/** Per goal: mean, range and the runs that met it; then the runs that met all, or all but one. */
function tally(runs) {
  const perRun = runs.map(({ name, results }) => ({ name, cpu: results.machine.cpuModel, goals: goalsOf(results.scenarios.core) }));
  // Each goal's test, to place the interval of its mean (the same for every run).
  const tests = new Map(runs.flatMap(({ results }) => goalList(results.scenarios.core).map((g) => [g.goal, g.met])));
  const byGoal = new Map();
  for (const run of perRun) {
    for (const g of run.goals) {
      if (!byGoal.has(g.goal)) byGoal.set(g.goal, { line: g.line, isMet: tests.get(g.goal), values: [], met: 0 });
      const entry = byGoal.get(g.goal);
      entry.values.push(g.value);
      if (g.met) entry.met++;
    }
  }
  const lines = [
    `${perRun.length} core runs (${perRun.map((r) => r.name.slice(0, 16)).join(', ') || 'none'})`,
    '',
    "| goal | line | mean (range) | met in | the mean's 95 % interval |",
    '|---|---|---|---|---|',
  ];
  for (const [goal, { line, isMet, values, met }] of byGoal) {
    lines.push(`| ${goal} | ${line} | ${meanAndRange(values)} | ${met} of ${values.length} | ${intervalText(meanInterval(values, isMet))} |`);
  }
  const rungs = new Map();
  for (const { results } of runs) {
    for (const { goal, rung, product } of nestRungGoals(results.scenarios.core)) {
      if (!rungs.has(goal)) rungs.set(goal, { rung: [], product: [] });
      rungs.get(goal).rung.push(rung);
      rungs.get(goal).product.push(product);
    }
  }
  if (rungs.size) {
    lines.push(
      '',
      "The floor's handlers behind one bare Nest controller (the rung \"floor in Nest\"), same runs:",
      '',
      "| goal | rung ÷ floor | rung at ≥ 0.9× in | the rung's mean, 95 % interval | product ÷ rung |",
      '|---|---|---|---|---|',
      ...[...rungs].map(([goal, r]) => {
        const atLeast09 = (v) => v >= 0.9;
        return `| ${goal} | ${meanAndRange(r.rung)} | ${r.rung.filter(atLeast09).length} of ${r.rung.length} | ${intervalText(meanInterval(r.rung, atLeast09))} | ${meanAndRange(r.product)} |`;
      }),
    );
  }
  lines.push('');
  for (const run of perRun) {
    const missed = run.goals.filter((g) => !g.met);
    if (missed.length <= 1) {
      lines.push(`${run.name.slice(0, 16)} (${run.cpu}): ${missed.length ? `all but ${missed[0].goal} (${missed[0].value}×)` : 'every goal'}`);
    }
  }
  return lines.join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  console.log(tally(savedRuns({ since: option('since'), until: option('until'), cpu: option('cpu') })));
}

module.exports = { goalsOf, goalRows, tally };
