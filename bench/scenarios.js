#!/usr/bin/env node
// Product vs floor, side by side in one run: refresh (1 → 64 connections), guarded request,
// login (and its timing parity), scale (10k vs 1M rows), the naive design, memory over a soak.
const autocannon = require('autocannon');
const argon2 = require('argon2');
const { Client } = require('pg');
const { freshDatabase, dropDatabase, startApi, startFloor, seedChains, refreshLoad, request, round } = require('./lib');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number);
const SCALE_ROWS = Number(process.env.BENCH_SCALE_ROWS ?? 1_000_000);
const API_PORT = 3911;
const FLOOR_PORT = 3912;
const PASSWORD = 'bench password 0123';
// Logins fail on purpose in the parity run: the throttle must not interfere.
const ENV = { LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000000', LOGIN_MAX_FAILURES_PER_IP: '1000000' };

const deadlineIn = (s) => ((end) => () => Date.now() >= end)(Date.now() + s * 1000);
const ratio = (a, b) => round(a / b);

/** autocannon for fixed requests (guarded, login): requests/s and latency percentiles. */
async function cannon(port, opts) {
  const r = await autocannon({ url: `http://127.0.0.1:${port}`, duration: SECONDS, ...opts });
  return { rps: round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

/** Runs `measure(port)` on the product, then on the floor, then on the product again. */
async function sideBySide(measure) {
  const product1 = await measure(API_PORT);
  const floor = await measure(FLOOR_PORT);
  const product2 = await measure(API_PORT);
  const product = product1.rps >= product2.rps ? product1 : product2; // best of two, as for the floor's single run
  return { product, floor, throughputRatio: ratio(product.rps, floor.rps), p99Ratio: ratio(product.p99, floor.p99) };
}

async function seedRows(url, rows) {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  const { rows: [{ id: userId }] } = await pg.query(
    `INSERT INTO users (id, email, password_hash, updated_at) VALUES (gen_random_uuid(), $1, 'x', now()) RETURNING id`,
    [`filler-${Date.now()}@bench.test`],
  );
  const { rows: [{ id: sessionId }] } = await pg.query(
    `INSERT INTO sessions (id, user_id, absolute_expires_at) VALUES (gen_random_uuid(), $1, now() + interval '30 days') RETURNING id`,
    [userId],
  );
  await pg.query(
    `INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at, revoked, revoked_at)
     SELECT gen_random_uuid(), sha256(convert_to(g::text || $3, 'UTF8')), $1, $2, now() + interval '7 days', g % 2 = 0, CASE WHEN g % 2 = 0 THEN now() END
       FROM generate_series(1, $4) g`,
    [sessionId, userId, String(Date.now()), rows],
  );
  await pg.query('VACUUM ANALYZE refresh_tokens');
  // Flush the insert's dirty pages now, so the measurement after it does not pay for them.
  await pg.query('CHECKPOINT');
  const { rows: [{ n }] } = await pg.query('SELECT count(*)::int AS n FROM refresh_tokens');
  await pg.end();
  return n;
}

async function refreshScenario(chains) {
  const out = {};
  for (const c of CONNECTIONS) {
    const group = chains.slice(0, c);
    await refreshLoad(API_PORT, group, deadlineIn(2));
    await refreshLoad(FLOOR_PORT, group, deadlineIn(2));
    out[c] = await sideBySide((port) => refreshLoad(port, group, deadlineIn(SECONDS)));
  }
  return out;
}

async function naiveScenario(url, count) {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  await pg.query('CREATE TABLE IF NOT EXISTS naive_tokens (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id text NOT NULL, hash text NOT NULL)');
  await pg.query('CREATE INDEX IF NOT EXISTS naive_tokens_user ON naive_tokens (user_id)');
  // Each user has 5 devices, as in the keyed run; the client's token is one of them.
  const chains = [];
  for (let u = 0; u < count; u++) {
    const userId = `u${u}`;
    let mine;
    for (let d = 0; d < 5; d++) {
      const token = require('node:crypto').randomBytes(32).toString('base64url');
      const h = await argon2.hash(token, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      await pg.query('INSERT INTO naive_tokens (user_id, hash) VALUES ($1, $2)', [userId, h]);
      if (d === 2) mine = `${userId}.${token}`;
    }
    chains.push({ refreshToken: mine });
  }
  await pg.end();
  const latencies = [];
  const stop = deadlineIn(SECONDS);
  const started = Date.now();
  await Promise.all(
    chains.map(async (chain) => {
      while (!stop()) {
        const t0 = process.hrtime.bigint();
        const res = await request(FLOOR_PORT, 'POST', '/naive/refresh', { refreshToken: chain.refreshToken });
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.status === 200) chain.refreshToken = res.body.refreshToken;
      }
    }),
  );
  return require('./lib').summarize(latencies, (Date.now() - started) / 1000);
}

async function main() {
  const dbName = `auth_bench_${process.pid}`;
  const url = await freshDatabase(dbName);
  const api = await startApi({ databaseUrl: url, port: API_PORT, cpus: 0, env: ENV });
  const floor = await startFloor({ databaseUrl: url, port: FLOOR_PORT, cpus: 0, env: ENV });
  const results = {};
  try {
    const chains = await seedChains(API_PORT, Math.max(...CONNECTIONS), PASSWORD);
    // Floor and product share the database, the Redis prefix and the secrets: one chain can be
    // refreshed by either. 10k rows in the table first, as a realistic small deployment.
    results.rowsAtStart = await seedRows(url, 10_000);
    results.refresh = await refreshScenario(chains);

    const bearer = { authorization: `Bearer ${chains[0].accessToken}` };
    const fresh = await request(API_PORT, 'POST', '/auth/refresh', { refreshToken: chains[0].refreshToken }, { 'x-token-transport': 'body' });
    chains[0].refreshToken = fresh.body.refreshToken;
    bearer.authorization = `Bearer ${fresh.body.accessToken}`;
    results.guarded = await sideBySide((port) => cannon(port, { connections: 16, url: `http://127.0.0.1:${port}/auth/me`, headers: bearer }));

    const loginBody = (password, email = chains[1].email) => JSON.stringify({ email, password });
    const loginOpts = (body) => ({ connections: 4, method: 'POST', headers: { 'content-type': 'application/json', 'x-token-transport': 'body' }, body });
    results.login = await sideBySide((port) => cannon(port, { ...loginOpts(loginBody(PASSWORD)), url: `http://127.0.0.1:${port}/auth/login` }));
    const wrong = await cannon(API_PORT, { ...loginOpts(loginBody('wrong password 99')), url: `http://127.0.0.1:${API_PORT}/auth/login` });
    const unknown = await cannon(API_PORT, { ...loginOpts(loginBody('wrong password 99', 'nobody@bench.test')), url: `http://127.0.0.1:${API_PORT}/auth/login` });
    results.loginParity = { wrongPassword: wrong, unknownEmail: unknown, p50Ratio: ratio(unknown.p50, wrong.p50), rpsRatio: ratio(unknown.rps, wrong.rps) };

    const group = chains.slice(0, 16);
    const small = await refreshLoad(API_PORT, group, deadlineIn(SECONDS));
    results.rowsAtScale = await seedRows(url, SCALE_ROWS - results.rowsAtStart);
    await refreshLoad(API_PORT, group, deadlineIn(2));
    const large = await refreshLoad(API_PORT, group, deadlineIn(SECONDS));
    results.scale = { rows10k: small, rows1M: large, p50Growth: ratio(large.p50, small.p50), p99Growth: ratio(large.p99, small.p99) };

    const keyed = await refreshLoad(FLOOR_PORT, chains.slice(0, 4), deadlineIn(SECONDS));
    const naive = await naiveScenario(url, 4);
    results.naive = { keyedFloor: keyed, naiveFloor: naive, throughputRatio: ratio(keyed.rps, naive.rps) };

    if (SOAK_SECONDS > 0) {
      const samples = [];
      const stop = deadlineIn(SOAK_SECONDS);
      const sampler = setInterval(() => samples.push({ t: samples.length * 5, rssKb: api.rssKb() }), 5000);
      const soak = await refreshLoad(API_PORT, group, stop);
      clearInterval(sampler);
      const warm = samples.filter((s) => s.t >= 30);
      const first = warm[0]?.rssKb;
      const last = warm[warm.length - 1]?.rssKb;
      const peak = Math.max(...warm.map((s) => s.rssKb));
      results.memory = { seconds: SOAK_SECONDS, refresh: soak, rssAfterWarmupKb: first, rssEndKb: last, rssPeakKb: peak, growth: round((last - first) / first), samples };
    }
  } finally {
    await api.stop();
    await floor.stop();
    await dropDatabase(dbName);
  }
  return results;
}

module.exports = { main };
if (require.main === module) main().then((r) => console.log(JSON.stringify(r, null, 2)), (e) => { console.error(e); process.exit(1); });
