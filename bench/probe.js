#!/usr/bin/env node
// Quick A/B probe (not part of `npm run bench`): guarded /auth/me and refresh at 16 connections,
// product vs floor, interleaved. `node bench/probe.js [rounds] [--prof DIR]`.
const autocannon = require('autocannon');
const lib = require('./lib');

async function main() {
  const rounds = Number(process.argv[2] ?? 2);
  const profIdx = process.argv.indexOf('--prof');
  const profDir = profIdx > 0 ? process.argv[profIdx + 1] : undefined;
  const url = await lib.freshDatabase('bench_probe');
  const seconds = Number(process.env.PROBE_SECONDS ?? 5);
  const product = await lib.startApi({ databaseUrl: url, port: 3901, cpus: 0, nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
  const floor = await lib.startFloor({ databaseUrl: url, port: 3902, cpus: 0 });
  const chains = await lib.seedChains(3901, 16);
  const bearer = { authorization: `Bearer ${chains[0].accessToken}` };
  const out = { me: { product: [], floor: [] }, refresh: { product: [], floor: [] } };
  for (let i = 0; i < rounds; i++) {
    for (const [name, port] of [['product', 3901], ['floor', 3902]]) {
      if (profDir && name === 'floor') continue;
      if (process.env.PROBE_ONLY !== 'refresh') {
      const r = await autocannon({ url: `http://127.0.0.1:${port}/auth/me`, connections: 16, duration: seconds, headers: bearer });
      out.me[name].push(Math.round(r.requests.average));
      }
      if (process.env.PROBE_ONLY === 'me') continue;
      let stop = false;
      setTimeout(() => (stop = true), seconds * 1000);
      const rr = await lib.refreshLoad(port, chains, () => stop);
      out.refresh[name].push(rr.rps);
    }
  }
  await product.stop();
  await floor.stop();
  for (const k of ['me', 'refresh']) {
    if (!out[k].product.length || !out[k].floor.length) { console.log(k, out[k]); continue; }
    const p = out[k].product.reduce((a, b) => a + b) / rounds;
    const f = out[k].floor.reduce((a, b) => a + b) / rounds;
    console.log(`${k}: product ${out[k].product.join('/')} floor ${out[k].floor.join('/')} ratio ${(p / f).toFixed(2)}`);
  }
  await lib.dropDatabase('bench_probe');
  process.exit(0);
}
main().catch((e) => { console.error(e); process.exit(1); });
