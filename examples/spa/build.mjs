// Bundles the example SPA with esbuild; `--serve` also serves it (default http://localhost:5173).
//   node examples/spa/build.mjs --serve [--port 5173] [--api http://localhost:3000] [--no-dpop]
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Builds into `outdir` (index.html + app.js) for the API at `apiUrl`; returns the directory.
 * `dpop: false` builds the plain cookie + bearer client (no key, no proofs).
 */
export async function buildSpa({ apiUrl = 'http://localhost:3000', dpop = true, outdir = join(here, dpop ? 'dist' : 'dist-no-dpop') } = {}) {
  mkdirSync(outdir, { recursive: true });
  copyFileSync(join(here, 'index.html'), join(outdir, 'index.html'));
  await esbuild.build({
    entryPoints: [join(here, 'src', 'main.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022',
    outfile: join(outdir, 'app.js'),
    define: { API_URL: JSON.stringify(apiUrl), USE_DPOP: JSON.stringify(dpop) },
    logLevel: 'warning',
  });
  return outdir;
}

/** Serves a built SPA on http://localhost:<port>; returns esbuild's server context. */
export async function serveSpa({ servedir, port = 5173 }) {
  const ctx = await esbuild.context({});
  // Every path without a file (/reset-password, /verify-email, /forgot-password) gets the app.
  await ctx.serve({ servedir, port, host: 'localhost', fallback: join(servedir, 'index.html') });
  return ctx;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean' },
      port: { type: 'string', default: '5173' },
      api: { type: 'string', default: 'http://localhost:3000' },
      'no-dpop': { type: 'boolean' },
    },
  });
  const outdir = await buildSpa({ apiUrl: values.api, dpop: !values['no-dpop'] });
  if (values.serve) {
    await serveSpa({ servedir: outdir, port: Number(values.port) });
    console.log(`SPA on http://localhost:${values.port} (API ${values.api}; the origin must be in ALLOWED_ORIGINS)`);
  } else {
    console.log(`built ${outdir}`);
  }
}
