// Shared pieces of the benchmarks: a database of their own, the production build of the API
// started as a child process (pinned to one core where taskset exists), and a closed-loop
// load generator whose clients each follow their own refresh chain.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { migrate, dropDatabase: dropDatabaseAt } = require('../scripts/migrate');

const ROOT = path.resolve(__dirname, '..');
const PG_BASE = process.env.BENCH_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const hasTaskset = spawnSync('taskset', ['--version']).status === 0;

/** `taskset -c <cpus>` prefix when available: the server and the load generator get a core each. */
function pinned(cpus, cmd, args) {
  return hasTaskset && cpus !== undefined ? ['taskset', ['-c', String(cpus), cmd, ...args]] : [cmd, args];
}

async function freshDatabase(name) {
  const url = `${PG_BASE}/${name}`;
  await dropDatabaseAt(url);
  await migrate(url, () => undefined);
  return url;
}

const dropDatabase = (name) => dropDatabaseAt(`${PG_BASE}/${name}`);

/**
 * Removes this bench's Redis keys, as its databases are dropped: its servers' prefixes
 * (`bench:<pid>:`, `bench-cleanup:<pid>:`) carry the bench's pid. A full run leaves millions of
 * blacklist keys with days of TTL otherwise, and a later `KEYS` over the shared Redis (the
 * test suite's) would time out. SCAN, not KEYS: it never blocks Redis for long.
 */
async function dropRedisKeys(pattern = `bench*:${process.pid}:*`) {
  const Redis = require('ioredis');
  const redis = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
  let removed = 0;
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 10000 })) {
      if (keys.length) removed += await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return removed;
}

function appEnv(databaseUrl, port, extra = {}) {
  return {
    ...process.env,
    NODE_ENV: 'development',
    // error: the mail-less dev mode would log every verification mail of the seeded users.
    LOG_LEVEL: 'error',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `bench:${process.pid}:`,
    JWT_ACCESS_SECRET: 'bench-access-secret-0123456789-abcdefgh',
    REFRESH_TOKEN_SECRET: 'bench-refresh-secret-0123456789-abcdefgh',
    REFRESH_TOKEN_CLEANUP_CRON: '0 3 1 1 *',
    // As in production, where the OpenAPI docs are off unless DOCS_ENABLED says otherwise.
    DOCS_ENABLED: 'false',
    COOKIE_SECURE: 'false',
    // Every scenario logs in and registers from 127.0.0.1 under one Redis prefix; the limits
    // would turn later scenarios into 429s (the throttle has its own tests).
    LOGIN_MAX_FAILURES_PER_IP: '1000000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000000',
    REGISTER_MAX_PER_IP: '1000000',
    ...extra,
  };
}

/**
 * BENCH_NODE_FLAGS: Node/V8 options for every server the bench starts (product, floor, rungs
 * and peers alike), to measure an operator's knob such as `--flush-baseline-code` without
 * favouring one side. Unset, every server runs with Node's defaults.
 */
const SERVER_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);

/** Starts `node dist/main.js` (or `script`); resolves once /health answers 200. */
async function startApi({ databaseUrl, port, cpus, env = {}, nodeArgs = [], script = path.join(ROOT, 'dist', 'main.js') }) {
  const [cmd, args] = pinned(cpus, process.execPath, [...SERVER_NODE_FLAGS, ...nodeArgs, script]);
  // The server's log lines go to stderr: stdout carries only the bench's JSON result.
  const child = spawn(cmd, args, { env: appEnv(databaseUrl, port, env), stdio: ['ignore', 2, 2] });
  const deadline = Date.now() + 30000;
  for (;;) {
    const res = await request(port, 'GET', '/health').catch(() => null);
    if (res?.status === 200) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('API did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    rssKb: () => Number(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]),
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/**
 * One HTTP request over the keep-alive agent. A socket the server closed while idle fails on
 * reuse before the request reached the server; that case alone is retried (Node's documented
 * pattern: `req.reusedSocket && ECONNRESET`).
 */
function request(port, method, pathname, body, headers = {}) {
  return sendOnce(port, method, pathname, body, headers).catch((err) =>
    err.reusedSocket ? sendOnce(port, method, pathname, body, headers) : Promise.reject(err),
  );
}

function sendOnce(port, method, pathname, body, headers) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: pathname,
        agent,
        headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}), ...headers },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode, body: text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text });
        });
      },
    );
    req.on('error', (err) => {
      err.reusedSocket = req.reusedSocket && err.code === 'ECONNRESET';
      reject(err);
    });
    if (payload) req.write(payload);
    req.end();
  });
}

const BODY = { 'x-token-transport': 'body' };

/**
 * A process's CPU time so far, user + system, in seconds (/proc, in clock ticks: Linux's USER_HZ
 * is 100). CPU per request moves less than throughput when a neighbour slows the whole machine.
 */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The bare floor server (bench/floor-server.js) with the same environment as the API. */
const startFloor = (options) => startApi({ ...options, script: path.join(__dirname, 'floor-server.js') });

/** Registers `count` users and logs each in once (body transport): one refresh chain each. */
async function seedChains(port, count, password = 'bench password 0123') {
  const chains = [];
  for (let i = 0; i < count; i++) {
    const email = `bench-${process.pid}-${i}-${Date.now()}@bench.test`;
    const reg = await request(port, 'POST', '/auth/register', { email, password });
    if (reg.status !== 201) throw new Error(`register: ${reg.status}`);
    const login = await request(port, 'POST', '/auth/login', { email, password }, BODY);
    if (login.status !== 200) throw new Error(`login: ${login.status}`);
    chains.push({ email, refreshToken: login.body.refreshToken, accessToken: login.body.accessToken });
  }
  return chains;
}

/**
 * Closed loop: every chain is one client that refreshes, takes the successor, and refreshes
 * again, until `until()` says stop. Returns throughput and latency percentiles (ms), and the
 * latencies themselves (`latencies`, not enumerable).
 * `headersFor()` adds headers to each request (a DPoP proof).
 */
async function refreshLoad(port, chains, until, headersFor = () => ({})) {
  const latencies = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    chains.map(async (chain) => {
      while (!until()) {
        const t0 = process.hrtime.bigint();
        const headers = { ...BODY, ...headersFor() };
        const res = await request(port, 'POST', '/auth/refresh', { refreshToken: chain.refreshToken }, headers);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.status !== 200) {
          errors++;
          continue;
        }
        chain.refreshToken = res.body.refreshToken;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // The raw latencies ride along, out of the JSON, so that percentiles can pool several turns.
  return Object.defineProperty(summarize(latencies, seconds, errors), 'latencies', { value: latencies, enumerable: false });
}

function summarize(latencies, seconds, errors = 0) {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
  return {
    requests: sorted.length,
    errors,
    seconds: round(seconds),
    rps: round(sorted.length / seconds),
    p50: round(at(0.5)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
}

const round = (n) => Math.round(n * 100) / 100;

function machine() {
  const os = require('node:os');
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memGiB: round(os.totalmem() / 2 ** 30),
    node: process.version,
    taskset: hasTaskset,
    serverNodeFlags: SERVER_NODE_FLAGS,
  };
}

/**
 * What a server's preloaded `bench/memory-probe.js` reports now: it writes MEMORY_PROBE_FILE
 * (`file`) on SIGUSR2.
 */
async function readMemoryProbe(server, file) {
  fs.rmSync(file, { force: true });
  server.child.kill('SIGUSR2');
  for (let waited = 0; !fs.existsSync(file); waited += 10) {
    if (waited > 5000) throw new Error('memory probe did not answer');
    await new Promise((r) => setTimeout(r, 10));
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * A full garbage collection in a server started with bench/memory-probe.js preloaded, its file
 * `file` (MEMORY_PROBE_FILE) and `--expose-gc`; returns the probe's figures after it.
 */
async function collectGarbage(server, file) {
  fs.writeFileSync(`${file}.gc`, '');
  try {
    return await readMemoryProbe(server, file);
  } finally {
    fs.rmSync(`${file}.gc`, { force: true });
  }
}

/** A scenario run on its own (`node bench/<scenario>.js`): its JSON on stdout, its Redis keys removed. */
async function runAlone(main) {
  let failed = false;
  try {
    console.log(JSON.stringify(await main(), null, 2));
  } catch (err) {
    console.error(err);
    failed = true;
  }
  await dropRedisKeys();
  if (failed) process.exit(1);
}

module.exports = { collectGarbage, cpuSeconds, readMemoryProbe, startFloor, ROOT, pinned, freshDatabase, dropDatabase, dropRedisKeys, runAlone, startApi, request, seedChains, refreshLoad, summarize, machine, round, appEnv, BODY };
