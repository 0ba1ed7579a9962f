#!/usr/bin/env node
// Cleanup under load (issue: TokenCleanupService at a million rows): refresh_tokens holds
// 1,000,000 rows, half of them dead. Measures the cleanup duration and the p99 of concurrent
// refresh traffic during the cleanup against the p99 without it, in the same run.
const { execFile } = require('node:child_process');
const path = require('node:path');
const { promisify } = require('node:util');
const { Client } = require('pg');
const { ROOT, pinned, freshDatabase, dropDatabase, startApi, seedChains, refreshLoad, appEnv } = require('./lib');
const progress = require('./progress');

const ROWS = Number(process.env.BENCH_CLEANUP_ROWS ?? 1_000_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const BASELINE_SECONDS = Number(process.env.BENCH_CLEANUP_BASELINE_SECONDS ?? 10);
const PORT = 3901;

async function seedRows(databaseUrl, rows) {
  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  const { rows: [{ id: userId }] } = await pg.query(
    `INSERT INTO users (id, email, password_hash, updated_at) VALUES (gen_random_uuid(), 'filler@bench.test', 'x', now()) RETURNING id`,
  );
  // 1,000 filler sessions so that the dead rows look like real token chains.
  await pg.query(
    `INSERT INTO sessions (id, user_id, absolute_expires_at) SELECT gen_random_uuid(), $1, now() + interval '30 days' FROM generate_series(1, 1000)`,
    [userId],
  );
  const half = Math.floor(rows / 2);
  // Live half: unrevoked, future expiry. Dead half: a third expired, two thirds revoked (rotated).
  // Sessions picked by array index (a LATERAL … OFFSET per row took ~110 s for a million rows).
  await pg.query(
    `WITH filler AS (SELECT array_agg(id) AS ids FROM sessions WHERE user_id = $1)
     INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at, revoked, revoked_at, replaced_by)
     SELECT gen_random_uuid(), sha256(convert_to(g::text || 'seed', 'UTF8')), filler.ids[1 + g % 1000], $1,
            CASE WHEN g > $2 AND g % 3 = 0 THEN now() - interval '1 hour' ELSE now() + interval '7 days' END,
            g > $2 AND g % 3 <> 0, CASE WHEN g > $2 AND g % 3 <> 0 THEN now() END,
            CASE WHEN g > $2 AND g % 3 <> 0 THEN gen_random_uuid() END
       FROM generate_series(1, $3) g, filler`,
    [userId, half, rows],
  );
  await pg.query('VACUUM ANALYZE');
  const { rows: [counts] } = await pg.query(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE revoked OR expires_at < now())::int AS dead FROM refresh_tokens`,
  );
  await pg.end();
  return counts;
}

async function main() {
  const dbName = `auth_bench_cleanup_${process.pid}`;
  const databaseUrl = await freshDatabase(dbName);
  const env = { REDIS_KEY_PREFIX: `bench-cleanup:${process.pid}:`, LOGIN_MAX_FAILURES_PER_IP: '1000000', REGISTER_MAX_PER_IP: '1000000' };
  const api = await startApi({ databaseUrl, port: PORT, cpus: 0, env });
  try {
    progress.phase(`cleanup: seeding ${ROWS.toLocaleString('en')} rows`, 8 + ROWS / 25_000);
    const chains = await seedChains(PORT, CLIENTS);
    const t0 = Date.now();
    const seeded = await seedRows(databaseUrl, ROWS);
    console.error(`seeded ${seeded.total} rows (${seeded.dead} dead) in ${Date.now() - t0} ms`);

    progress.phase('cleanup: refresh before, during and after the purge', 3 + 2 * BASELINE_SECONDS + ROWS / 25_000);
    await refreshLoad(PORT, chains, deadlineIn(3)); // warm-up
    const before = await refreshLoad(PORT, chains, deadlineIn(BASELINE_SECONDS));

    let cleanupDone = false;
    let cleanupOutput = '';
    const [cmd, args] = pinned(1, process.execPath, [path.join(ROOT, 'dist', 'cleanup.js')]);
    const cleanupStarted = Date.now();
    const cleanup = promisify(execFile)(cmd, args, { env: appEnv(databaseUrl, PORT, env) }).then(({ stdout }) => {
      cleanupOutput = stdout;
      cleanupDone = true;
    });
    const during = await refreshLoad(PORT, chains, () => cleanupDone);
    await cleanup;
    const cleanupWallMs = Date.now() - cleanupStarted;

    const after = await refreshLoad(PORT, chains, deadlineIn(BASELINE_SECONDS));
    const baselineP99 = (before.p99 + after.p99) / 2;
    return {
      scenario: 'cleanup-under-load',
      rows: seeded,
      clients: CLIENTS,
      cleanup: { wallMs: cleanupWallMs, output: cleanupOutput.trim().split('\n') },
      refresh: { before, during, after },
      p99DuringVsWithout: Math.round((during.p99 / baselineP99) * 100) / 100,
    };
  } finally {
    await api.stop();
    await dropDatabase(dbName);
  }
}

const deadlineIn = (s) => {
  const end = Date.now() + s * 1000;
  return () => Date.now() >= end;
};

const plannedSeconds = () => 8 + ROWS / 25_000 + 3 + 2 * BASELINE_SECONDS + ROWS / 25_000;

module.exports = { main, plannedSeconds };
if (require.main === module) require('./lib').runAlone(main);
