// Bundles the mobile-style CLI with esbuild and runs it: node examples/mobile/build.mjs <command> [args]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'cli.cjs');
await esbuild.build({ entryPoints: [join(here, 'src', 'cli.ts')], bundle: true, platform: 'node', target: 'node20', outfile, logLevel: 'warning' });
const { status } = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(status ?? 1);
