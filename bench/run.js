#!/usr/bin/env node
// `npm run bench`: builds nothing itself (npm runs `npm run build` first), runs every scenario
// against the production build, writes bench/results/<date>.json and prints a Markdown table.
const fs = require('node:fs');
const path = require('node:path');
const { machine, dropRedisKeys } = require('./lib');
const { throughputChart } = require('./chart');
const { goalRows, goalsOf } = require('./goals');

const progress = require('./progress');

/** Each scenario's module: `main()` runs it, `plannedSeconds()` estimates it. */
const SCENARIOS = {
  core: () => require('./scenarios'),
  cleanup: () => require('./cleanup'),
  dpop: () => require('./dpop'),
  registration: () => require('./registration'),
  'better-auth': () => require('./better-auth'),
};

const mib = (kb) => Math.round(kb / 1024);
const pct = (x) => `${x >= 0 ? '+' : ''}${Math.round(x * 100)} %`;

/** The memory table's rows: product, floor and the Nest rung, and the two ratios. */
function memoryRows(memory) {
  const sides = [memory.product, memory.floor, memory.nestFloor];
  const windowOf = (key) => (m) => `${mib(m[key].late.meanKb)} (${mib(m[key].late.peakKb)}) MiB`;
  const row = (label, cell, productRatio, nestRatio) => `| ${label} | ${sides.map(cell).join(' | ')} | **${productRatio}×** | ${nestRatio}× |`;
  return [
    row('RSS', windowOf('rss'), memory.rssRatio, memory.nestFloorRatios.rss),
    row('V8 heap in use', windowOf('heap'), memory.heapRatio, memory.nestFloorRatios.heap),
    row('V8 live heap (after a full GC)', (m) => `${mib(m.liveHeapKb)} MiB`, memory.liveHeapRatio, memory.nestFloorRatios.liveHeap),
    row('allocated per refresh', (m) => `${m.bytesPerRequest.toLocaleString('en')} B`, memory.bytesPerRequestRatio, memory.nestFloorRatios.bytesPerRequest),
    `| growth first → last window (RSS / heap) | ${sides.map((m) => `${pct(m.rss.meanGrowth)} / ${pct(m.heap.meanGrowth)}`).join(' | ')} | | |`,
    `| refreshes in the soak | ${sides.map((m) => m.refresh.requests).join(' | ')} | | |`,
  ];
}

async function main() {
  const only = process.argv.slice(2);
  const results = { date: new Date().toISOString(), machine: machine(), scenarios: {} };
  const flags = results.machine.serverNodeFlags;
  if (flags.length) console.error(`every server runs with BENCH_NODE_FLAGS: ${flags.join(' ')}`);
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.date.slice(0, 19).replace(/:/g, '-')}.json`);
  let failed = false;
  const selected = Object.entries(SCENARIOS).filter(([name]) => !only.length || only.includes(name));
  progress.begin(selected.reduce((total, [, scenario]) => total + scenario().plannedSeconds(), 0));
  for (const [name, scenario] of selected) {
    console.error(`== ${name}`);
    try {
      results.scenarios[name] = await scenario().main();
      if (name === 'core') results.scenarios.core.goals = goalsOf(results.scenarios.core);
    } catch (err) {
      failed = true;
      results.scenarios[name] = { error: String(err?.stack ?? err) };
      console.error(err);
    }
    // Written after every scenario: a late failure does not lose the earlier numbers.
    fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  }
  progress.end();
  console.error(`removed ${await dropRedisKeys()} Redis keys of this run`);
  const chart = path.join(dir, `${path.basename(file, '.json')}.svg`);
  fs.writeFileSync(chart, throughputChart(results));
  // A full run with Node's defaults also refreshes the chart BENCHMARKS.md shows.
  if (!only.length && !failed && !flags.length) fs.writeFileSync(path.join(__dirname, '..', 'docs', 'benchmarks.svg'), throughputChart(results));
  console.log(table(results));
  console.error(`chart ${path.relative(process.cwd(), chart)}`);
  console.error(`written ${path.relative(process.cwd(), file)}`);
  if (failed) process.exitCode = 1;
}

/** The lowest and highest of a comparison's turn-by-turn ratios (results before 2026-12-04 have none). */
const turnSpread = (r) => (r.turnRatios?.length ? ` (turns ${Math.min(...r.turnRatios)}–${Math.max(...r.turnRatios)})` : '');
/** Server CPU per request, product / floor, and the floor's over the product's (older results have none). */
const cpuCell = (r) => (r.cpuRatio ? `${r.product.cpuUsPerRequest} / ${r.floor.cpuUsPerRequest} (**${r.cpuRatio}×**)` : '–');
const row = (name, r) =>
  `| ${name} | ${r.product.rps} | ${r.floor.rps} | **${r.throughputRatio}×**${turnSpread(r)} | ${r.product.p50} / ${r.product.p99} | ${r.floor.p50} / ${r.floor.p99} | **${r.p99Ratio}×** | ${cpuCell(r)} |`;
const peerCpu = (p) => (p.cpuUsPerRequest ? `; server CPU ${p.cpuUsPerRequest} µs per request` : '');
const peerRows = (name, r) =>
  Object.entries(r.peers ?? {}).map(([peer, p]) => `| ${name}: ${peer} | ${p.rps} req/s | p50 / p99 ${p.p50} / ${p.p99} ms${peerCpu(p)} | product ${r.product.rps} req/s: **${Math.round((r.product.rps / p.rps) * 100) / 100}×** the peer |`);

function table(results) {
  const lines = [];
  const flags = results.machine.serverNodeFlags ?? [];
  if (flags.length) lines.push(`Every server (product, floor, rungs, peers) ran with \`${flags.join(' ')}\` (BENCH_NODE_FLAGS).`, '');
  const core = results.scenarios.core;
  if (core && !core.error) {
    lines.push(
      '| scenario | product req/s | floor req/s | throughput ratio | product p50 / p99 ms | floor p50 / p99 ms | p99 ratio | server CPU µs per request, product / floor (floor ÷ product) |',
      '|---|---|---|---|---|---|---|---|',
      ...Object.entries(core.refresh).map(([c, r]) => row(`refresh, ${c} connection${c === '1' ? '' : 's'}`, r)),
      row('guarded GET /auth/me, 16 connections', core.guarded),
      row('login (argon2id), 4 connections', core.login),
      '',
      '| peer, same run | throughput | latency | product vs peer |',
      '|---|---|---|---|',
      ...Object.entries(core.refresh).flatMap(([c, r]) => peerRows(`refresh, ${c} conn.`, r)),
      ...peerRows('GET /auth/me, 16 conn.', core.guarded),
      '',
      `Unnamed statements (DATABASE_PREPARED_STATEMENTS=false, for transaction poolers) vs named, refresh at 16 connections, same build and run: ${core.unnamedStatements.product.rps} vs ${core.unnamedStatements.floor.rps} req/s, **${core.unnamedStatements.throughputRatio}×** throughput, p99 ${core.unnamedStatements.product.p99} vs ${core.unnamedStatements.floor.p99} ms (**${core.unnamedStatements.p99Ratio}×**).`,
      `Login timing parity (product): unknown email p50 ${core.loginParity.unknownEmail.p50} ms vs wrong password p50 ${core.loginParity.wrongPassword.p50} ms: **${core.loginParity.p50Ratio}×** (req/s ratio ${core.loginParity.rpsRatio}).`,
      `Scale (product, 16 connections): ${core.rowsAtStart.toLocaleString('en')} rows p50/p99 ${core.scale.rows10k.p50}/${core.scale.rows10k.p99} ms → ${core.rowsAtScale.toLocaleString('en')} rows ${core.scale.rows1M.p50}/${core.scale.rows1M.p99} ms: growth p50 **${core.scale.p50Growth}×**, p99 **${core.scale.p99Growth}×**.`,
      `Naive design (argon2-hashed tokens, user's rows verified one by one), floor style, 4 clients: ${core.naive.naiveFloor.rps} req/s vs keyed-hash floor ${core.naive.keyedFloor.rps} req/s: **${core.naive.throughputRatio}×**.`,
      core.memory
        ? [
            `Memory over a ${core.memory.seconds} s refresh soak each (fresh processes, bench/memory-probe.js preloaded), the last ${core.memory.product.windowSeconds} s, mean (peak); live heap after a full collection at the end:`,
            '',
            '| | product | floor | floor in Nest | product / floor | floor in Nest / floor |',
            '|---|---|---|---|---|---|',
            ...memoryRows(core.memory),
          ].join('\n')
        : 'Memory soak skipped (BENCH_SOAK_SECONDS=0).',
      '',
      ...goalRows(goalsOf(core)),
      '',
    );
  }
  const c = results.scenarios.cleanup;
  if (c && !c.error) {
    const baseline = (c.refresh.before.p99 + c.refresh.after.p99) / 2;
    lines.push(
      `Cleanup of ${c.rows.dead.toLocaleString('en')} dead rows out of ${c.rows.total.toLocaleString('en')}, ${c.clients} refresh clients:`,
      '',
      '| phase | refresh req/s | p50 ms | p99 ms | errors |',
      '|---|---|---|---|---|',
      ...['before', 'during', 'after'].map((k) => {
        const r = c.refresh[k];
        return `| ${k === 'during' ? 'during cleanup' : `${k} cleanup`} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} |`;
      }),
      '',
      `Cleanup wall time ${c.cleanup.wallMs} ms (${c.cleanup.output.filter((l) => l.startsWith('refresh_tokens')).join('')}).`,
      `p99 during / p99 without (mean of before and after, ${Math.round(baseline * 100) / 100} ms): **${c.p99DuringVsWithout}×**`,
    );
  }
  const d = results.scenarios.dpop;
  if (d && !d.error) {
    const dpopRow = (name, r) =>
      `| ${name} | ${r.plain.rps} | ${r.dpop.rps} | **${r.throughputRatio}×** | ${r.plain.p50} / ${r.plain.p99} | ${r.dpop.p50} / ${r.dpop.p99} | **${r.p99Ratio}×** | ${r.plain.errors + r.dpop.errors} |`;
    lines.push(
      '',
      `DPoP vs plain sessions, same server, ${d.connections} connections, proofs signed before each run:`,
      '',
      '| request | plain req/s | DPoP req/s | throughput ratio | plain p50 / p99 ms | DPoP p50 / p99 ms | p99 ratio | errors |',
      '|---|---|---|---|---|---|---|---|',
      dpopRow('refresh', d.refresh),
      dpopRow('guarded GET /auth/me', d.guarded),
    );
  }
  const ba = results.scenarios['better-auth'];
  if (ba && !ba.error) {
    const baRow = (name, side, x) => `| ${name} | ${side} | ${x.rps} | ${x.p50} / ${x.p99} | ${x.cpuMsPerRequest} | ${x.non2xx} |`;
    lines.push(
      '',
      'Better Auth (its defaults, email + password, Postgres), same run, CPU time per request from each server process:',
      '',
      '| request | side | req/s | p50 / p99 ms | CPU ms per request | non-2xx |',
      '|---|---|---|---|---|---|',
      baRow('login / sign-in, 4 conn.', 'product: argon2id m=19 MiB t=2', ba.login.product),
      baRow('login / sign-in, 4 conn.', 'Better Auth: scrypt N=16384 r=16 (JS)', ba.login.betterAuth),
      baRow('session check, 16 conn.', 'product: GET /auth/me (JWT + Redis + user row)', ba.session.product),
      baRow('session check, 16 conn.', 'Better Auth get-session, cookie cache off', ba.session.betterAuthCacheOff),
      baRow('session check, 16 conn.', 'Better Auth get-session, cookie cache on (5 min)', ba.session.betterAuthCacheOn),
    );
  }
  const r = results.scenarios.registration;
  if (r && !r.error) {
    lines.push(
      '',
      `Registration with REQUIRE_VERIFIED_EMAIL=true, ${r.rounds} rounds alternating: taken email p50 ${r.takenEmail.p50} ms vs new email p50 ${r.newEmail.p50} ms: **${r.p50Ratio}×** (p99 ${r.takenEmail.p99} vs ${r.newEmail.p99} ms); distinct answer bodies: ${r.distinctBodies}.`,
    );
  }
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
