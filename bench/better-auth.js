#!/usr/bin/env node
// Better Auth beside the product, in one run, each on its own database: its email sign-in vs
// our login, its session check (GET /api/auth/get-session, cookie cache off and on) vs our
// guarded GET /auth/me. Throughput from autocannon, and CPU time per request from the server
// process's own counters (/proc/<pid>/stat), the steadier figure on a shared machine.
//
// Not the same work, and the table says so: our login is argon2id (m = 19 MiB, t = 2), theirs
// scrypt (N = 16384, r = 16, p = 1) in JavaScript; our login also opens a session with a
// rotating refresh token, theirs a session row. Our guarded request verifies a JWT, checks a
// Redis revocation marker and reads the user; their session check reads the session and the
// user from Postgres (cookie cache off) or trusts a signed cookie for up to 5 minutes (on: no
// round trip, and no immediate revocation either). Better Auth has no rotating refresh tokens,
// so there is no refresh row to compare.
const autocannon = require('autocannon');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { cpuSeconds, freshDatabase, dropDatabase, startApi, request, round, seedChains, BODY } = require('./lib');
const progress = require('./progress');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const PEER_DIR = path.join(__dirname, 'peers', 'better-auth');
const PORTS = { product: 3921, cacheOff: 3922, cacheOn: 3923 };
const PASSWORD = 'bench password 0123';

/** Its dependencies live apart from ours (their optional peers conflict): installed on first use. */
function ensureInstalled() {
  if (fs.existsSync(path.join(PEER_DIR, 'node_modules', 'better-auth'))) return;
  progress.phase('better-auth: npm ci of the peer (first run only)', 20);
  execFileSync('npm', ['ci', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: PEER_DIR, stdio: ['ignore', 2, 2] });
}

/** autocannon against one server, with that server's CPU time per request. */
async function measure(server, opts) {
  const before = cpuSeconds(server.child.pid);
  const r = await autocannon({ duration: SECONDS, ...opts });
  const cpu = cpuSeconds(server.child.pid) - before;
  const ok = r.requests.total - r.non2xx;
  return { rps: round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, cpuMsPerRequest: round((cpu * 1000) / Math.max(1, ok)) };
}

/** Two runs each, alternating, means compared. */
async function alternate(sides) {
  const runs = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let i = 0; i < 2; i++) for (const [name, run] of Object.entries(sides)) runs[name].push(await run());
  const mean = (list, key) => round(list.reduce((a, r) => a + r[key], 0) / list.length);
  return Object.fromEntries(
    Object.entries(runs).map(([name, list]) => [
      name,
      { rps: mean(list, 'rps'), p50: mean(list, 'p50'), p99: mean(list, 'p99'), cpuMsPerRequest: mean(list, 'cpuMsPerRequest'), non2xx: list.reduce((a, r) => a + r.non2xx, 0) },
    ]),
  );
}

async function main() {
  ensureInstalled();
  progress.phase('better-auth: starting the product and two Better Auth servers', 8);
  const dbs = { product: `auth_bench_ba_product_${process.pid}`, peer: `auth_bench_ba_peer_${process.pid}` };
  const productUrl = await freshDatabase(dbs.product);
  const peerUrl = await freshDatabase(dbs.peer); // emptied; Better Auth migrates its own tables into it
  const peerEnv = (cache) => ({ BETTER_AUTH_SECRET: 'bench-better-auth-secret-0123456789abcdef', COOKIE_CACHE: String(cache), NODE_ENV: 'production' });
  const product = await startApi({ databaseUrl: productUrl, port: PORTS.product, cpus: 0, env: { REGISTER_MAX_PER_IP: '1000000', LOGIN_MAX_FAILURES_PER_IP: '1000000' } });
  await resetSchema(peerUrl);
  const cacheOff = await startApi({ databaseUrl: peerUrl, port: PORTS.cacheOff, cpus: 0, env: peerEnv(false), script: path.join(PEER_DIR, 'server.mjs') });
  const cacheOn = await startApi({ databaseUrl: peerUrl, port: PORTS.cacheOn, cpus: 0, env: peerEnv(true), script: path.join(PEER_DIR, 'server.mjs') });
  try {
    const [ours] = await seedChains(PORTS.product, 1, PASSWORD);
    const email = `peer-${process.pid}@bench.test`;
    const signUp = await request(PORTS.cacheOff, 'POST', '/api/auth/sign-up/email', { email, password: PASSWORD, name: 'Bench' });
    if (signUp.status !== 200) throw new Error(`better-auth sign-up: ${signUp.status} ${JSON.stringify(signUp.body)}`);
    const cookieOf = async (port) => {
      const res = await rawSignIn(port, email);
      return res.cookie;
    };

    progress.phase('better-auth: sign-in vs our login, 4 connections', 4 * SECONDS);
    const loginBody = (e) => JSON.stringify({ email: e, password: PASSWORD });
    const json = { 'content-type': 'application/json' };
    const login = await alternate({
      product: () => measure(product, { url: `http://127.0.0.1:${PORTS.product}/auth/login`, connections: 4, method: 'POST', headers: { ...json, ...BODY }, body: loginBody(ours.email) }),
      betterAuth: () => measure(cacheOff, { url: `http://127.0.0.1:${PORTS.cacheOff}/api/auth/sign-in/email`, connections: 4, method: 'POST', headers: json, body: loginBody(email) }),
    });

    progress.phase('better-auth: get-session (cookie cache off / on) vs our guarded request, 16 connections', 6 * SECONDS);
    const fresh = await request(PORTS.product, 'POST', '/auth/refresh', { refreshToken: ours.refreshToken }, BODY);
    const cookieOff = await cookieOf(PORTS.cacheOff);
    const cookieOn = await cookieOf(PORTS.cacheOn);
    // get-session answers 200 with `null` for a missing session: make sure these cookies name one.
    for (const [port, cookie] of [[PORTS.cacheOff, cookieOff], [PORTS.cacheOn, cookieOn]]) {
      const check = await request(port, 'GET', '/api/auth/get-session', undefined, { cookie });
      if (check.status !== 200 || check.body?.user?.email !== email) throw new Error(`better-auth get-session: ${check.status} ${JSON.stringify(check.body)}`);
    }
    const session = await alternate({
      product: () => measure(product, { url: `http://127.0.0.1:${PORTS.product}/auth/me`, connections: 16, headers: { authorization: `Bearer ${fresh.body.accessToken}` } }),
      betterAuthCacheOff: () => measure(cacheOff, { url: `http://127.0.0.1:${PORTS.cacheOff}/api/auth/get-session`, connections: 16, headers: { cookie: cookieOff } }),
      betterAuthCacheOn: () => measure(cacheOn, { url: `http://127.0.0.1:${PORTS.cacheOn}/api/auth/get-session`, connections: 16, headers: { cookie: cookieOn } }),
    });
    return { seconds: SECONDS, login, session };
  } finally {
    await Promise.all([product.stop(), cacheOff.stop(), cacheOn.stop()]);
    await dropDatabase(dbs.product);
    await dropDatabase(dbs.peer);
  }
}

/** Better Auth's database holds only its own tables. */
async function resetSchema(url) {
  const { Client } = require('pg');
  const pg = new Client({ connectionString: url });
  await pg.connect();
  await pg.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await pg.end();
}

/** Signs in and returns the Cookie header the session check needs (session token, and the cache cookie when on). */
function rawSignIn(port, email) {
  const http = require('node:http');
  const payload = JSON.stringify({ email, password: PASSWORD });
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/auth/sign-in/email', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`better-auth sign-in: ${res.statusCode}`));
        resolve({ cookie: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ') });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const plannedSeconds = () => 8 + 4 * SECONDS + 6 * SECONDS;

module.exports = { main, plannedSeconds };
if (require.main === module) require('./lib').runAlone(main);
