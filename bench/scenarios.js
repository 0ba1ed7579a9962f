#!/usr/bin/env node
// Product vs floor, side by side in one run: refresh (1 → 64 connections), guarded request,
// login (and its timing parity), scale (10k vs 1M rows), the naive design, memory over a soak.
const autocannon = require('autocannon');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const argon2 = require('argon2');
const { Client } = require('pg');
const { collectGarbage, cpuSeconds, readMemoryProbe, ROOT, freshDatabase, dropDatabase, startApi, startFloor, seedChains, refreshLoad, request, round, summarize } = require('./lib');
const progress = require('./progress');
const { turnGroups, turnOrder, turnRatios } = require('./turns');
const { buildPeer } = require('./peers/build');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 150);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,16,64').split(',').map(Number);
const SCALE_ROWS = Number(process.env.BENCH_SCALE_ROWS ?? 1_000_000);
const API_PORT = 3911;
const FLOOR_PORT = 3912;
// The product with DATABASE_PREPARED_STATEMENTS=false (the transaction-pooler setting).
const UNNAMED_PORT = 3913;
// Peers users would pick instead, measured beside product and floor (bench/peers/).
const PASSPORT_PORT = 3916;
const SOAK_PRODUCT_PORT = 3917;
const SOAK_FLOOR_PORT = 3918;
const SOAK_NEST_FLOOR_PORT = 3924;
const PEERS = { 'NestJS + passport-jwt': PASSPORT_PORT };
// Rungs between floor and product: the floor's own handlers as bare Fastify routes, and behind
// one Nest controller (no guard, pipe or filter). They split the gap into what Fastify, Nest's
// router and the product's own pipeline each cost.
const FASTIFY_FLOOR_PORT = 3919;
const NEST_FLOOR_PORT = 3920;
const RUNGS = { 'floor on Fastify': FASTIFY_FLOOR_PORT, 'floor in Nest': NEST_FLOOR_PORT };
const BESIDE = { ...RUNGS, ...PEERS };
// How many servers a product-vs-floor comparison measures: product, floor and those beside.
const SIDES = 2 + Object.keys(BESIDE).length;
const PASSWORD = 'bench password 0123';
// Logins fail on purpose in the parity run: the throttle must not interfere.
const ENV = { LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000000', LOGIN_MAX_FAILURES_PER_IP: '1000000', REGISTER_MAX_PER_IP: '1000000' };

// Every server the comparisons measure runs with the memory probe preloaded and `gc` exposed, so
// that its heap can be settled once, halfway through its first warm-up (settleHeaps).
const PROBE_ARGS = ['--expose-gc', '--require', path.join(__dirname, 'memory-probe.js')];
const probeFile = (port) => path.join(os.tmpdir(), `bench-probe-${process.pid}-${port}.json`);
const measured = new Map(); // port → its server
const settled = new Set(); // ports whose heap has been settled

/** Starts a server the comparisons measure (`start`: startApi or startFloor), pinned to CPU 0. */
async function startMeasured(start, url, port, env = {}, script = undefined) {
  const server = await start({ databaseUrl: url, port, cpus: 0, env: { ...ENV, ...env, MEMORY_PROBE_FILE: probeFile(port) }, nodeArgs: PROBE_ARGS, ...(script && { script }) });
  measured.set(port, server);
  return server;
}

/**
 * One full collection in each of these servers, the first time they are warmed up. V8 sets a
 * process's first old-generation limit from its start-up collection, before it has measured
 * any load: the product's, at about 3.5 times its live heap, let its heap grow to ~100 MB over
 * the first ~100 s of load and then ended in a memory-reducing collection that shrank its young
 * generation, a slow spell of ~10 s that fell into the 64-connection cell in every run
 * (BENCHMARKS.md, "The start-up heap"). A collection under load sets the limit from the load,
 * as a long-running process has it; the floor and every other side get the same.
 */
async function settleHeaps(ports) {
  for (const port of ports) {
    if (settled.has(port) || !measured.has(port)) continue;
    await collectGarbage(measured.get(port), probeFile(port));
    settled.add(port);
  }
}

const deadlineIn = (s) => ((end) => () => Date.now() >= end)(Date.now() + s * 1000);
// Each side's warm-up before it is measured (statement cache, JIT): 2 s, shorter in the tiny
// runs of `npm test`.
const WARM_UP_SECONDS = Math.min(2, SECONDS);
// A group's warm-up after an idle spell (sideBySide): 12 s of load each, in full runs.
const STEADY_WARM_UP_SECONDS = Math.min(12, 2 * SECONDS);
// The soak's own warm-up and reporting interval: 3 s and every 5 s in full runs; shorter in the
// test suite's smoke run, which only checks that the soak produces numbers. Each report is the
// time average (and peak) of the probe's readings every SOAK_PROBE_SAMPLE_MS since the last.
const SOAK_WARM_UP_SECONDS = Math.min(3, SECONDS);
const SOAK_SAMPLE_MS = Math.min(5000, Math.max(1000, (SOAK_SECONDS * 1000) / 30));
const SOAK_PROBE_SAMPLE_MS = 100;
const ratio = (a, b) => round(a / b);

/** autocannon for fixed requests (guarded, login): requests/s and latency percentiles. */
async function cannon(port, opts, seconds = SECONDS) {
  const r = await autocannon({ url: `http://127.0.0.1:${port}`, duration: seconds, ...opts });
  return { rps: round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors };
}

// Each side's measuring time (2 × SECONDS) is cut into TURNS turns (BENCH_TURNS, 4), none
// shorter than a second, at least two.
const TURNS = Math.max(2, Math.min(Number(process.env.BENCH_TURNS ?? 4), Math.floor(2 * SECONDS)));
const TURN_SECONDS = (2 * SECONDS) / TURNS;

/**
 * Measures each side (`sides`: name → what `measure` takes) in TURNS short turns, in an order
 * that reverses every round (bench/turns.js), and returns each side's turns. This machine speeds
 * up and slows down over tens of seconds (a neighbour's load, the first minute after start-up):
 * with product, floor, product, floor, a steady trend read as a gap between the two.
 */
async function interleaved(sides, measure, rounds = TURNS) {
  const names = Object.keys(sides);
  const turns = Object.fromEntries(names.map((name) => [name, []]));
  for (let i = 0; i < rounds; i++) {
    for (const name of turnOrder(names, i)) turns[name].push(await withServerCpu(sides[name], () => measure(sides[name], TURN_SECONDS)));
  }
  return turns;
}

/**
 * A turn's figures plus, when `side` is the port of a server started here, the CPU seconds that
 * server spent in it (`cpuSeconds`): CPU per request is the steadier figure when a neighbour
 * slows the whole machine, and throughput alone cannot tell that from the product's own work.
 */
async function withServerCpu(side, turn) {
  const pid = measured.get(side)?.child.pid;
  if (pid === undefined) return turn();
  const before = cpuSeconds(pid);
  const figures = await turn();
  // The turn's own object, not a copy: refreshLoad's raw latencies ride on it, not enumerable,
  // and meanOf pools them.
  figures.cpuSeconds = cpuSeconds(pid) - before;
  return figures;
}

/**
 * Brings a group's sides to their steady state after an idle spell: each runs `seconds` of load
 * in turn-long chunks, alternating, so none idles long in between. V8 shrinks the young
 * generation of a process idle for more than a few seconds, and it takes about 10 s of load to
 * grow back; until then a scavenge comes every few requests (BENCHMARKS.md, "Idle waits
 * between turns").
 */
async function warmUp(group, measure, seconds = STEADY_WARM_UP_SECONDS) {
  const names = Object.keys(group);
  const chunks = Math.max(2, Math.round(seconds / TURN_SECONDS));
  for (let i = 0; i < chunks; i++) {
    // Halfway, under load: a collection now leaves the young generation as it is (checked with
    // --trace-gc), and the second half runs every side in its settled state before the turns.
    if (i === chunks / 2 || i === (chunks - 1) / 2) await settleHeaps(Object.values(group));
    for (const name of turnOrder(names, i)) await measure(group[name], seconds / chunks);
  }
}

/**
 * Product against floor, then the rungs and peers beside them (`beside`: name → port), group by
 * group (bench/turns.js): product and floor take their turns alone, the others two at a time, so
 * no side waits more than two turns (6 s); each group is warmed up to its steady state right before.
 * `measure(port, seconds)` runs one turn; each side's figures are over all its turns.
 */
async function sideBySide(measure, ports = { product: API_PORT, floor: FLOOR_PORT }, beside = {}, { steady = true } = {}) {
  const runs = {};
  for (const group of turnGroups({ product: ports.product, floor: ports.floor }, beside)) {
    if (steady) await warmUp(group, measure);
    Object.assign(runs, await interleaved(group, measure));
  }
  return comparison(runs, Object.keys(beside));
}

/** Product against floor over their turns (`runs`: side → turns), and the sides beside them. */
function comparison(runs, besideNames = []) {
  const product = meanOf(runs.product);
  const floor = meanOf(runs.floor);
  const result = { product, floor, throughputRatio: ratio(product.rps, floor.rps), turnRatios: turnRatios(runs.product, runs.floor), p99Ratio: ratio(product.p99, floor.p99), runs };
  // As the throughput ratio reads: the floor's CPU per request over the product's.
  if (product.cpuUsPerRequest && floor.cpuUsPerRequest) result.cpuRatio = ratio(floor.cpuUsPerRequest, product.cpuUsPerRequest);
  if (besideNames.length) result.peers = Object.fromEntries(besideNames.map((name) => [name, meanOf(runs[name])]));
  return result;
}

/**
 * One side's figures over its turns: mean throughput (turns are equally long), counts summed.
 * Latency percentiles over all the turns' requests together when the turns kept them (refresh
 * chains); autocannon keeps only its own percentiles, so those are the turns' mean.
 */
function meanOf(runs) {
  const sum = (key) => runs.reduce((total, r) => total + (r[key] ?? 0), 0);
  const mean = (key) => round(sum(key) / runs.length);
  const percentiles = runs.every((r) => r.latencies)
    ? { ...percentilesOf(runs.flatMap((r) => [...r.latencies])), percentilesOver: 'requests' }
    : { p50: mean('p50'), p99: mean('p99'), percentilesOver: 'turns' };
  const cpu = runs.every((r) => r.cpuSeconds !== undefined) && sum('requests') > 0 ? { cpuUsPerRequest: Math.round((sum('cpuSeconds') * 1e6) / sum('requests')) } : {};
  return { rps: mean('rps'), ...percentiles, requests: sum('requests'), errors: sum('errors'), non2xx: sum('non2xx'), ...cpu };
}

function percentilesOf(latencies) {
  const { p50, p99 } = summarize(latencies, 1);
  return { p50, p99 };
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

/**
 * Refresh at each connection count, group by group (bench/turns.js): one group runs all its
 * counts before the next starts, so a group is idle once, not before every count, and one warm-up
 * brings it back to its steady state.
 */
async function refreshScenario(chains) {
  const runs = Object.fromEntries(CONNECTIONS.map((c) => [c, {}]));
  const load = (group) => (port, seconds) => refreshLoad(port, group, deadlineIn(seconds));
  for (const group of turnGroups({ product: API_PORT, floor: FLOOR_PORT }, BESIDE)) {
    const names = Object.keys(group).join(', ');
    progress.phase(`core: refresh warm-up, ${names}`, STEADY_WARM_UP_SECONDS * Object.keys(group).length);
    await warmUp(group, load(chains.slice(0, 16)));
    for (const c of CONNECTIONS) {
      progress.phase(`core: refresh, ${c} connection${c === 1 ? '' : 's'}, ${names}`, Object.keys(group).length * (WARM_UP_SECONDS + 2 * SECONDS));
      // The first requests at a new count (new chains, more connections) fall outside the turns.
      for (const port of Object.values(group)) await load(chains.slice(0, c))(port, WARM_UP_SECONDS);
      Object.assign(runs[c], await interleaved(group, load(chains.slice(0, c))));
    }
  }
  return Object.fromEntries(CONNECTIONS.map((c) => [c, comparison(runs[c], Object.keys(BESIDE))]));
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

/**
 * RSS, V8 heap in use and bytes allocated per request over a refresh soak, for the product and
 * then the floor under the same load, each in a fresh process with bench/memory-probe.js
 * preloaded (so both report the same way), sampled every 5 s (full runs). Both saw-tooth with garbage
 * collection (±20 % within seconds), so growth compares windows, not single samples: the mean
 * and the peak of the minute after a 30 s warm-up against the last minute.
 */
async function memorySoak(url, group) {
  const product = await soakOne(url, group, path.join(ROOT, 'dist', 'main.js'), SOAK_PRODUCT_PORT);
  const floor = await soakOne(url, group, path.join(__dirname, 'floor-server.js'), SOAK_FLOOR_PORT);
  // The floor's handlers behind a bare Nest controller: what Nest alone holds.
  const nestFloor = await soakOne(url, group, path.join(__dirname, 'floor-server.js'), SOAK_NEST_FLOOR_PORT, { FLOOR_HTTP: 'nest' });
  const ratioOf = (side, key) => round(side[key].late.meanKb / floor[key].late.meanKb);
  return {
    seconds: SOAK_SECONDS,
    product,
    floor,
    nestFloor,
    rssRatio: ratioOf(product, 'rss'),
    heapRatio: ratioOf(product, 'heap'),
    bytesPerRequestRatio: round(product.bytesPerRequest / floor.bytesPerRequest),
    liveHeapRatio: round(product.liveHeapKb / floor.liveHeapKb),
    nestFloorRatios: {
      rss: ratioOf(nestFloor, 'rss'),
      heap: ratioOf(nestFloor, 'heap'),
      liveHeap: round(nestFloor.liveHeapKb / floor.liveHeapKb),
      bytesPerRequest: round(nestFloor.bytesPerRequest / floor.bytesPerRequest),
    },
  };
}

async function soakOne(url, group, script, port, env = {}) {
  const file = path.join(os.tmpdir(), `memory-probe-${process.pid}-${port}.json`);
  const server = await startApi({ databaseUrl: url, port, cpus: 0, env: { ...ENV, ...env, MEMORY_PROBE_FILE: file, MEMORY_PROBE_SAMPLE_MS: String(SOAK_PROBE_SAMPLE_MS) }, nodeArgs: PROBE_ARGS, script });
  const probe = () => readMemoryProbe(server, file);
  try {
    // Warm-up (the statement cache, JIT), its heap settled halfway under load as the compared
    // servers' are (settleHeaps): otherwise the first minute reads V8's start-up limit, not the
    // process (BENCHMARKS.md, "The start-up heap"), and the growth figures read that transient.
    await refreshLoad(port, group, deadlineIn(SOAK_WARM_UP_SECONDS));
    await collectGarbage(server, file);
    await refreshLoad(port, group, deadlineIn(SOAK_WARM_UP_SECONDS));
    const samples = [];
    const started = Date.now();
    const first = await probe();
    let previous = first.sampled;
    // This interval's time average and peak, from the probe's running sums.
    const sample = async () => {
      const m = await probe().catch(() => null);
      const count = m ? m.sampled.count - previous.count : 0;
      if (count === 0) return;
      const meanKb = (key) => Math.round((m.sampled[key] - previous[key]) / count / 1024);
      samples.push({
        t: Math.round((Date.now() - started) / 1000),
        rssKb: meanKb('rssSum'),
        heapKb: meanKb('heapUsedSum'),
        rssPeakKb: Math.round(m.sampled.rssMax / 1024),
        heapPeakKb: Math.round(m.sampled.heapUsedMax / 1024),
      });
      previous = m.sampled;
    };
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      sampling = sampling.then(sample);
    }, SOAK_SAMPLE_MS);
    const soak = await refreshLoad(port, group, deadlineIn(SOAK_SECONDS));
    clearInterval(sampler);
    await sampling; // a report in flight, before the last one is read
    const last = await probe();
    // After the load, all garbage collected: the live heap, the steady figure.
    const afterGc = await collectGarbage(server, file);
    const windowOf = (from, to, key) => {
      const inWindow = samples.filter((s) => s.t >= from && s.t < to);
      const mean = inWindow.reduce((a, s) => a + s[key], 0) / inWindow.length;
      return { meanKb: Math.round(mean), peakKb: Math.max(...inWindow.map((s) => s[key.replace(/Kb$/, 'PeakKb')])) };
    };
    const warmUp = Math.min(30, SOAK_SECONDS / 5);
    const span = Math.min(60, (SOAK_SECONDS - warmUp) / 2); // shorter soaks: two halves after warm-up
    const growthOf = (key) => {
      const early = windowOf(warmUp, warmUp + span, key);
      const late = windowOf(SOAK_SECONDS - span, SOAK_SECONDS + 1, key);
      return { early, late, meanGrowth: round(late.meanKb / early.meanKb - 1), peakGrowth: round(late.peakKb / early.peakKb - 1), trend: trendOf(samples, warmUp, key) };
    };
    return {
      warmUpSeconds: warmUp,
      windowSeconds: span,
      refresh: soak,
      rss: growthOf('rssKb'),
      heap: growthOf('heapKb'),
      bytesPerRequest: Math.round((last.allocatedBytes - first.allocatedBytes) / Math.max(1, soak.requests)),
      liveHeapKb: Math.round(afterGc.heapUsed / 1024),
      heapBeforeGcKb: Math.round(last.heapUsed / 1024),
      rssAfterGcKb: Math.round(afterGc.rss / 1024),
      samples,
    };
  } finally {
    await server.stop();
    fs.rmSync(file, { force: true });
  }
}

/**
 * Least-squares slope after warm-up, MiB per minute, with its standard error: a leak is a slope
 * well above its error; garbage-collection saw-teeth widen the error instead.
 */
function trendOf(samples, warmUp, key) {
  const points = samples.filter((p) => p.t >= warmUp).map((p) => [p.t / 60, p[key] / 1024]);
  const n = points.length;
  if (n < 3) return null;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const slope = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
  const residual = points.reduce((a, [x, y]) => a + (y - my - slope * (x - mx)) ** 2, 0);
  return { mibPerMinute: round(slope), standardError: round(Math.sqrt(residual / (n - 2) / sxx)) };
}

async function main() {
  const dbName = `auth_bench_${process.pid}`;
  const url = await freshDatabase(dbName);
  const api = await startMeasured(startApi, url, API_PORT);
  const floor = await startMeasured(startFloor, url, FLOOR_PORT);
  const unnamed = await startMeasured(startApi, url, UNNAMED_PORT, { DATABASE_PREPARED_STATEMENTS: 'false' });
  const passport = await startMeasured(startApi, url, PASSPORT_PORT, {}, buildPeer('nest-passport'));
  const rungs = [
    await startMeasured(startFloor, url, FASTIFY_FLOOR_PORT, { FLOOR_HTTP: 'fastify' }),
    await startMeasured(startFloor, url, NEST_FLOOR_PORT, { FLOOR_HTTP: 'nest' }),
  ];
  const results = {};
  try {
    progress.phase('core: seeding users and chains', 25);
    const chains = await seedChains(API_PORT, Math.max(...CONNECTIONS), PASSWORD);
    // Floor and product share the database, the Redis prefix and the secrets: one chain can be
    // refreshed by either. 10k rows in the table first, as a realistic small deployment.
    results.rowsAtStart = await seedRows(url, 10_000);
    results.refresh = await refreshScenario(chains);
    // What ?pgbouncer=true costs: the same build with unnamed statements ("product" below)
    // against named ones ("floor" below), alternating, 16 connections straight to Postgres.
    progress.phase('core: unnamed vs named statements, 16 connections', 2 * (STEADY_WARM_UP_SECONDS + 2 * SECONDS));
    const sixteen = chains.slice(0, 16);
    results.unnamedStatements = await sideBySide((port, seconds) => refreshLoad(port, sixteen, deadlineIn(seconds)), { product: UNNAMED_PORT, floor: API_PORT });

    progress.phase('core: guarded GET /auth/me, product vs floor, then rungs and peers', SIDES * (STEADY_WARM_UP_SECONDS + 2 * SECONDS));
    const bearer = { authorization: `Bearer ${chains[0].accessToken}` };
    const fresh = await request(API_PORT, 'POST', '/auth/refresh', { refreshToken: chains[0].refreshToken }, { 'x-token-transport': 'body' });
    chains[0].refreshToken = fresh.body.refreshToken;
    bearer.authorization = `Bearer ${fresh.body.accessToken}`;
    const guarded = (port, seconds) => cannon(port, { connections: 16, url: `http://127.0.0.1:${port}/auth/me`, headers: bearer }, seconds);
    // The warm-up also keeps each side's first guarded requests (JIT, the lookup's statement) out of the turns.
    results.guarded = await sideBySide(guarded, undefined, BESIDE);

    progress.phase('core: login and its timing parity', 12 * SECONDS);
    const loginBody = (password, email = chains[1].email) => JSON.stringify({ email, password });
    const loginOpts = (body) => ({ connections: 4, method: 'POST', headers: { 'content-type': 'application/json', 'x-token-transport': 'body' }, body });
    // No warm-up: argon2 takes the time here, and the sides have just served the guarded runs.
    const login = (port, seconds) => cannon(port, { ...loginOpts(loginBody(PASSWORD)), url: `http://127.0.0.1:${port}/auth/login` }, seconds);
    results.login = await sideBySide(login, undefined, {}, { steady: false });
    // Interleaved like product and floor: with one turn per side, a neighbour's load during one
    // of them read as a parity gap (1.17× on 2026-11-29 14:35). Twice the turns of a comparison:
    // a turn's p50 moved by up to a third from turn to turn on a slow machine (2026-12-07), as
    // much as the ±10 % the goal allows.
    const parityTurns = await interleaved(
      { wrong: loginBody('wrong password 99'), unknown: loginBody('wrong password 99', 'nobody@bench.test') },
      (body, seconds) => cannon(API_PORT, { ...loginOpts(body), url: `http://127.0.0.1:${API_PORT}/auth/login` }, seconds),
      2 * TURNS,
    );
    const [wrong, unknown] = [meanOf(parityTurns.wrong), meanOf(parityTurns.unknown)];
    const turnP50s = { wrongPassword: parityTurns.wrong.map((t) => t.p50), unknownEmail: parityTurns.unknown.map((t) => t.p50) };
    results.loginParity = { wrongPassword: wrong, unknownEmail: unknown, p50Ratio: ratio(unknown.p50, wrong.p50), rpsRatio: ratio(unknown.rps, wrong.rps), turnP50s };

    progress.phase(`core: scale, 10k vs ${SCALE_ROWS.toLocaleString('en')} rows`, 2 * SECONDS + 2 + SCALE_ROWS / 40_000);
    const group = chains.slice(0, 16);
    const small = await refreshLoad(API_PORT, group, deadlineIn(SECONDS));
    results.rowsAtScale = await seedRows(url, SCALE_ROWS - results.rowsAtStart);
    await refreshLoad(API_PORT, group, deadlineIn(WARM_UP_SECONDS));
    const large = await refreshLoad(API_PORT, group, deadlineIn(SECONDS));
    results.scale = { rows10k: small, rows1M: large, p50Growth: ratio(large.p50, small.p50), p99Growth: ratio(large.p99, small.p99) };

    progress.phase('core: the naive design vs the keyed-hash floor', 2 * SECONDS + 3);
    const keyed = await refreshLoad(FLOOR_PORT, chains.slice(0, 4), deadlineIn(SECONDS));
    const naive = await naiveScenario(url, 4);
    results.naive = { keyedFloor: keyed, naiveFloor: naive, throughputRatio: ratio(keyed.rps, naive.rps) };

    if (SOAK_SECONDS > 0) {
      progress.phase(`core: memory over a ${SOAK_SECONDS} s refresh soak, product, floor, floor in Nest`, 3 * (SOAK_SECONDS + 6));
      results.memory = await memorySoak(url, group);
    }
  } finally {
    await api.stop();
    await floor.stop();
    await unnamed.stop();
    await passport.stop();
    for (const rung of rungs) await rung.stop();
    for (const port of measured.keys()) fs.rmSync(probeFile(port), { force: true });
    measured.clear();
    settled.clear();
    await dropDatabase(dbName);
  }
  return results;
}

/** What a run of this scenario takes, roughly (for the progress line). */
const plannedSeconds = () =>
  25 + SIDES * (STEADY_WARM_UP_SECONDS + CONNECTIONS.length * (WARM_UP_SECONDS + 2 * SECONDS)) + 2 * (STEADY_WARM_UP_SECONDS + 2 * SECONDS) + SIDES * (STEADY_WARM_UP_SECONDS + 2 * SECONDS) + 6 * SECONDS + (2 * SECONDS + 2 + SCALE_ROWS / 40_000) + (2 * SECONDS + 3) + 3 * (SOAK_SECONDS + 6);

module.exports = { main, plannedSeconds, memorySoak };
if (require.main === module) require('./lib').runAlone(main);
