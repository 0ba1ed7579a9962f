#!/usr/bin/env node
// A quick A/B probe, not part of `npm run bench`: guarded GET /auth/me (autocannon) and refresh
// chains, 16 connections each (PROBE_CONNECTIONS), product and floor interleaved in `rounds` rounds, so an idea can
// be tried in a minute. The ratio is product/floor over all rounds.
//   node bench/probe.js [rounds]                  both scenarios, product and floor
//   PROBE_ONLY=me|refresh|login node bench/probe.js   one scenario (login only on request)
//   node bench/probe.js 1 --prof DIR              V8 CPU profiles in DIR/product and DIR/floor
//   PROBE_BEFORE=/other/checkout/dist/main.js node bench/probe.js 4
//                                                 also another build ("before"), interleaved too;
//                                                 run it both ways round: the same build read 0.90×
//                                                 as "product", 0.96× as "before" (BENCHMARKS.md)
//   PROBE_FASTIFY=1 node bench/probe.js 4         also the floor's handlers as bare Fastify routes
//   PROBE_NEST=1 node bench/probe.js 4            also the floor's handlers behind a bare Nest controller
//   PROBE_BARE=1 node bench/probe.js 4            also the floor without the product's response headers
//   PROBE_WEIGHT=1 node bench/probe.js 4          also the floor carrying the whole product, started on
//                                                 port 3907 and idle, in its own process (bench/idle-product.js)
//   PROBE_GC=1 node bench/probe.js 4              also each turn's scavenges (bench/memory-probe.js
//                                                 preloaded): a side that waited long runs many more
const autocannon = require('autocannon');
const lib = require('./lib');

const os = require('node:os');
const path = require('node:path');

const SECONDS = Number(process.env.PROBE_SECONDS ?? 5);
const ONLY = process.env.PROBE_ONLY;
const GC = Boolean(process.env.PROBE_GC);
const CONNECTIONS = Number(process.env.PROBE_CONNECTIONS ?? 16);

/** The scavenges a server has run so far, from its preloaded memory probe. */
const scavenges = async (server, file) => (await lib.readMemoryProbe(server, file)).gcCounts.Scavenge ?? 0;

async function measureMe(port, bearer) {
  const r = await autocannon({ url: `http://127.0.0.1:${port}/auth/me`, connections: CONNECTIONS, duration: SECONDS, headers: bearer });
  return { rps: Math.round(r.requests.average), requests: r.requests.total };
}

async function measureLogin(port, chain) {
  const body = JSON.stringify({ email: chain.email, password: 'bench password 0123' });
  const headers = { 'content-type': 'application/json', 'x-token-transport': 'body' };
  const r = await autocannon({ url: `http://127.0.0.1:${port}/auth/login`, method: 'POST', connections: 4, duration: SECONDS, headers, body });
  return { rps: Math.round(r.requests.average * 10) / 10, requests: r.requests.total };
}

async function measureRefresh(port, chains) {
  const stopAt = Date.now() + SECONDS * 1000;
  const r = await lib.refreshLoad(port, chains, () => Date.now() >= stopAt);
  return { rps: r.rps, requests: r.requests };
}

async function main() {
  const rounds = Number(process.argv[2] ?? 2);
  const profIdx = process.argv.indexOf('--prof');
  const profDir = profIdx > 0 ? process.argv[profIdx + 1] : undefined;
  const url = await lib.freshDatabase('bench_probe');
  // PROBE_GC: each server's memory probe writes to a file of its own port.
  const gcFile = (port) => path.join(os.tmpdir(), `probe-gc-${process.pid}-${port}.json`);
  const withProbe = (port, env = {}) => (GC ? { ...env, MEMORY_PROBE_FILE: gcFile(port) } : env);
  const nodeArgs = (name) => [
    ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}/${name}`] : []),
    ...(GC ? ['--require', path.join(__dirname, 'memory-probe.js')] : []),
  ];
  const servers = [
    ['product', await lib.startApi({ databaseUrl: url, port: 3901, cpus: 0, env: withProbe(3901), nodeArgs: nodeArgs('product') }), 3901],
    ['floor', await lib.startFloor({ databaseUrl: url, port: 3902, cpus: 0, env: withProbe(3902), nodeArgs: nodeArgs('floor') }), 3902],
  ];
  if (process.env.PROBE_FASTIFY) servers.push(['floor on Fastify', await lib.startFloor({ databaseUrl: url, port: 3904, cpus: 0, env: withProbe(3904, { FLOOR_HTTP: 'fastify' }), nodeArgs: nodeArgs('floor-fastify') }), 3904]);
  if (process.env.PROBE_NEST) servers.push(['floor in Nest', await lib.startFloor({ databaseUrl: url, port: 3905, cpus: 0, env: withProbe(3905, { FLOOR_HTTP: 'nest' }), nodeArgs: nodeArgs('floor-nest') }), 3905]);
  if (process.env.PROBE_BARE) servers.push(['floor, bare headers', await lib.startFloor({ databaseUrl: url, port: 3906, cpus: 0, env: withProbe(3906, { FLOOR_HEADERS: 'bare' }), nodeArgs: nodeArgs('floor-bare') }), 3906]);
  if (process.env.PROBE_WEIGHT) {
    const idleProduct = ['--require', path.join(__dirname, 'idle-product.js')];
    servers.push(['floor carrying the product', await lib.startFloor({ databaseUrl: url, port: 3908, cpus: 0, env: withProbe(3908, { IDLE_PRODUCT_PORT: '3907' }), nodeArgs: [...nodeArgs('floor-weight'), ...idleProduct] }), 3908]);
  }
  if (process.env.PROBE_BEFORE) servers.push(['before', await lib.startApi({ databaseUrl: url, port: 3903, cpus: 0, env: withProbe(3903), nodeArgs: nodeArgs('before'), script: process.env.PROBE_BEFORE }), 3903]);
  const chains = await lib.seedChains(3901, CONNECTIONS);
  const bearer = { authorization: `Bearer ${chains[0].accessToken}` };
  const sides = () => Object.fromEntries(servers.map(([name]) => [name, []]));
  const results = { me: sides(), refresh: sides(), login: sides() };
  const withCpu = async (server, port, measure) => {
    const scavengesBefore = GC ? await scavenges(server, gcFile(port)) : 0;
    const before = lib.cpuSeconds(server.child.pid);
    const r = await measure();
    const cpuUs = ((lib.cpuSeconds(server.child.pid) - before) * 1e6) / Math.max(1, r.requests);
    return { ...r, cpuUs, ...(GC && { scavenges: (await scavenges(server, gcFile(port))) - scavengesBefore }) };
  };
  for (let i = 0; i < rounds; i++) {
    // Each round starts with the next side, so that order is not one more difference between them.
    const order = servers.map((_, k) => servers[(k + i) % servers.length]);
    for (const [name, server, port] of order) {
      if (!ONLY || ONLY === 'me') results.me[name].push(await withCpu(server, port, () => measureMe(port, bearer)));
      if (!ONLY || ONLY === 'refresh') results.refresh[name].push(await withCpu(server, port, () => measureRefresh(port, chains)));
      if (ONLY === 'login') results.login[name].push(await withCpu(server, port, () => measureLogin(port, chains[1])));
    }
  }
  await Promise.all(servers.map(([, server]) => server.stop()));
  await lib.dropDatabase('bench_probe');
  await lib.dropRedisKeys();
  const sum = (xs, key) => xs.reduce((a, b) => a + b[key], 0);
  // Per round: throughput and the server's CPU µs per request (the first round carries the JIT's warm-up).
  const list = (xs) => xs.map((x) => `${x.rps} (${x.cpuUs.toFixed(0)} µs${GC ? `, ${x.scavenges} scavenges` : ''})`).join(' / ');
  // CPU per request over all rounds: total CPU time / total requests.
  const cpuPerRequest = (xs) => xs.reduce((a, x) => a + x.cpuUs * x.requests, 0) / sum(xs, 'requests');
  for (const [scenario, { floor, ...builds }] of Object.entries(results)) {
    if (!floor.length) continue;
    for (const [name, values] of Object.entries(builds)) {
      const [cpu, floorCpu] = [cpuPerRequest(values), cpuPerRequest(floor)];
      console.log(
        `${scenario} req/s: ${name} ${list(values)}, floor ${list(floor)} ratio ${(sum(values, 'rps') / sum(floor, 'rps')).toFixed(2)}; ` +
          `server CPU µs/request ${cpu.toFixed(0)} vs ${floorCpu.toFixed(0)} (floor/${name} ${(floorCpu / cpu).toFixed(2)})`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
