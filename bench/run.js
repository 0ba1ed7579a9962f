#!/usr/bin/env node
// `npm run bench`: builds nothing itself (npm runs `npm run build` first), runs every scenario
// against the production build, writes bench/results/<date>.json and prints a Markdown table.
const fs = require('node:fs');
const path = require('node:path');
const { machine } = require('./lib');

const SCENARIOS = { cleanup: () => require('./cleanup').main() };

async function main() {
  const only = process.argv.slice(2);
  const results = { date: new Date().toISOString(), machine: machine(), scenarios: {} };
  for (const [name, run] of Object.entries(SCENARIOS)) {
    if (only.length && !only.includes(name)) continue;
    console.error(`== ${name}`);
    results.scenarios[name] = await run();
  }
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.date.slice(0, 19).replace(/:/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(table(results));
  console.error(`written ${path.relative(process.cwd(), file)}`);
}

function table(results) {
  const lines = [];
  const c = results.scenarios.cleanup;
  if (c) {
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
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
