import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { keysWithPrefix } from '../support/redis-keys';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { goalsOf } = require('../../bench/goals') as { goalsOf: (core: unknown) => { goal: string; value: number }[] };

/** Keys left under a bench process's prefixes (`bench:<pid>:`, `bench-cleanup:<pid>:`). */
async function leftoverKeys(pid: number): Promise<string[]> {
  const redis = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    return await keysWithPrefix(redis, `bench*:${pid}:`);
  } finally {
    redis.disconnect();
  }
}

// Keeps the benchmark scripts from rotting: every scenario once, tiny and short. No timing is
// asserted; only that each scenario ran and produced numbers.
describe('bench scripts', () => {
  const runScript = async (script: string, env: Record<string, string> = {}) => {
    const run = promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'bench', script)], {
      env: { ...process.env, BENCH_DATABASE_BASE_URL: process.env.DATABASE_URL!.replace(/\/[^/]*$/, ''), ...env },
      maxBuffer: 10 * 1024 * 1024,
    });
    const { stdout } = await run;
    // The servers it started wrote under `bench:<its pid>:`; a run removes its keys as it ends.
    expect(await leftoverKeys(run.child.pid!)).toEqual([]);
    return JSON.parse(stdout);
  };

  it('DPoP vs plain sessions: both sides ran without errors', async () => {
    const r = await runScript('dpop.js', { BENCH_SECONDS: '1' });
    for (const key of ['refresh', 'guarded']) {
      expect(r[key].plain.rps).toBeGreaterThan(0);
      expect(r[key].dpop.rps).toBeGreaterThan(0);
      expect([key, r[key].plain.errors, r[key].dpop.errors]).toEqual([key, 0, 0]);
    }
  }, 60000);

  it('registration parity (REQUIRE_VERIFIED_EMAIL): both sides answered 202 with one body', async () => {
    const r = await runScript('registration.js', { BENCH_REGISTRATION_ROUNDS: '3' });
    expect(r.newEmail.requests).toBe(3);
    expect(r.takenEmail.requests).toBe(3);
    expect(r.distinctBodies).toBe(1);
  }, 60000);

  it('BENCH_NODE_FLAGS reaches the servers a scenario starts', async () => {
    // A preload the flags name writes each server's Node options where the test can read them.
    const dir = mkdtempSync(join(tmpdir(), 'bench-flags-'));
    const preload = join(dir, 'record-flags.js');
    const record = join(dir, 'servers.jsonl');
    writeFileSync(preload, `require('node:fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify(process.execArgv) + '\\n');`);
    try {
      const r = await runScript('registration.js', { BENCH_REGISTRATION_ROUNDS: '1', BENCH_NODE_FLAGS: `--stack-trace-limit=17 --require ${preload}` });
      expect(r.newEmail.requests).toBe(1);
      const servers = readFileSync(record, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      expect(servers).toHaveLength(1);
      expect(servers[0].slice(0, 3)).toEqual(['--stack-trace-limit=17', '--require', preload]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);

  it('run every product-vs-floor scenario end to end', async () => {
    const r = await runScript('scenarios.js', {
      BENCH_SECONDS: '0.5', // half-second turns: enough requests for every figure, ~25 s less CI time
      BENCH_SOAK_SECONDS: '5', // sampled every second: two or more samples per window
      BENCH_CONNECTIONS: '4',
      BENCH_SCALE_ROWS: '12000',
    });
    expect(r.refresh['4'].product.requests).toBeGreaterThan(0);
    expect(r.refresh['4'].floor.requests).toBeGreaterThan(0);
    expect(r.refresh['4'].product.errors).toBe(0);
    // One ratio per turn, product against the floor's turn beside it (two half-second turns).
    expect(r.refresh['4'].turnRatios).toHaveLength(r.refresh['4'].runs.product.length);
    expect(r.refresh['4'].turnRatios.every((x: number) => x > 0)).toBe(true);
    expect(r.unnamedStatements.product.requests).toBeGreaterThan(0); // DATABASE_PREPARED_STATEMENTS=false
    expect(r.unnamedStatements.product.errors).toBe(0);
    const peer = 'NestJS + passport-jwt'; // bench/peers/nest-passport.ts, on the same chains
    expect(r.refresh['4'].peers[peer].requests).toBeGreaterThan(0);
    expect(r.refresh['4'].peers[peer].errors).toBe(0);
    expect(r.guarded.peers[peer].non2xx).toBe(0);
    // The floor's handlers on bare Fastify and behind a bare Nest controller answer like the floor.
    for (const rung of ['floor on Fastify', 'floor in Nest']) {
      expect(r.refresh['4'].peers[rung].requests).toBeGreaterThan(0);
      expect(r.refresh['4'].peers[rung].errors).toBe(0);
      expect(r.guarded.peers[rung].requests).toBeGreaterThan(0);
      expect(r.guarded.peers[rung].non2xx).toBe(0);
    }
    expect(r.guarded.product.non2xx).toBe(0);
    expect(r.guarded.floor.non2xx).toBe(0);
    // Refresh latencies are pooled over all the turns' requests; autocannon keeps only its own percentiles.
    expect([r.refresh['4'].product.percentilesOver, r.refresh['4'].floor.percentilesOver, r.guarded.product.percentilesOver]).toEqual(['requests', 'requests', 'turns']);
    // Each measured server's CPU per request, read from /proc around its turns.
    for (const comparison of [r.refresh['4'], r.guarded]) {
      expect(comparison.product.cpuUsPerRequest).toBeGreaterThan(0);
      expect(comparison.floor.cpuUsPerRequest).toBeGreaterThan(0);
      expect(comparison.cpuRatio).toBeCloseTo(comparison.floor.cpuUsPerRequest / comparison.product.cpuUsPerRequest, 1);
      expect(comparison.peers['floor in Nest'].cpuUsPerRequest).toBeGreaterThan(0);
    }
    expect(r.login.product.rps).toBeGreaterThan(0);
    expect(r.loginParity.unknownEmail.rps).toBeGreaterThan(0);
    // Parity takes twice a comparison's turns (at least 2 × 2 here), each turn's p50 kept.
    expect(r.loginParity.turnP50s.wrongPassword).toHaveLength(r.loginParity.turnP50s.unknownEmail.length);
    expect(r.loginParity.turnP50s.unknownEmail.length).toBeGreaterThanOrEqual(4);
    expect(Math.min(...r.loginParity.turnP50s.unknownEmail)).toBeGreaterThan(0);
    expect(r.rowsAtScale).toBeGreaterThanOrEqual(12000);
    expect(r.naive.naiveFloor.requests).toBeGreaterThan(0);
    for (const side of ['product', 'floor', 'nestFloor']) {
      for (const key of ['rss', 'heap']) {
        expect(r.memory[side][key].early.meanKb).toBeGreaterThan(0);
        expect(r.memory[side][key].late.meanKb).toBeGreaterThan(0);
      }
      expect(r.memory[side].bytesPerRequest).toBeGreaterThan(0);
      // After a full collection the live heap is below what the process held right after the
      // load. (Not below the late window's peak: in this 5 s smoke soak the once-a-second
      // samples can all land just after scavenges, below a live heap that grew since.)
      expect(r.memory[side].liveHeapKb).toBeGreaterThan(0);
      expect(r.memory[side].liveHeapKb).toBeLessThan(r.memory[side].heapBeforeGcKb);
    }
    // bench/run.js reads issue #20's goals from this result: every one is there, as a ratio.
    const goals = goalsOf(r);
    expect(goals.map((g) => g.goal)).toHaveLength(7); // one connection count: 2 refresh goals, 5 others
    for (const g of goals) expect([g.goal, g.value > 0]).toEqual([g.goal, true]);
  }, 240000);
});
