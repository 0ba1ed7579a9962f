import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Keeps the benchmark scripts from rotting: every scenario once, tiny and short. No timing is
// asserted; only that each scenario ran and produced numbers.
describe('bench scripts', () => {
  it('run every product-vs-floor scenario end to end', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'bench', 'scenarios.js')], {
      env: {
        ...process.env,
        BENCH_SECONDS: '1',
        BENCH_SOAK_SECONDS: '12', // two samples: one per window
        BENCH_CONNECTIONS: '1,4',
        BENCH_SCALE_ROWS: '12000',
        BENCH_DATABASE_BASE_URL: process.env.DATABASE_URL!.replace(/\/[^/]*$/, ''),
      },
      maxBuffer: 10 * 1024 * 1024,
    });
    const r = JSON.parse(stdout);
    for (const c of ['1', '4']) {
      expect(r.refresh[c].product.requests).toBeGreaterThan(0);
      expect(r.refresh[c].floor.requests).toBeGreaterThan(0);
      expect(r.refresh[c].product.errors).toBe(0);
    }
    expect(r.unnamedStatements.product.requests).toBeGreaterThan(0); // DATABASE_PREPARED_STATEMENTS=false
    expect(r.unnamedStatements.product.errors).toBe(0);
    expect(r.guarded.product.non2xx).toBe(0);
    expect(r.guarded.floor.non2xx).toBe(0);
    expect(r.login.product.rps).toBeGreaterThan(0);
    expect(r.loginParity.unknownEmail.rps).toBeGreaterThan(0);
    expect(r.rowsAtScale).toBeGreaterThanOrEqual(12000);
    expect(r.naive.naiveFloor.requests).toBeGreaterThan(0);
    for (const key of ['rss', 'heap']) {
      expect(r.memory[key].early.meanKb).toBeGreaterThan(0);
      expect(r.memory[key].late.meanKb).toBeGreaterThan(0);
    }
  }, 120000);
});
