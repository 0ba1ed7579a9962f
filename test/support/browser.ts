import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { freePort } from './redis-server';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Debian's Chromium, headless, with no background traffic (the machine has no internet); Playwright gives it a fresh profile. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see README)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * The example SPA, built for `apiUrl` and served by `node examples/spa/build.mjs --serve`;
 * `dpop: false` serves the build without a DPoP key (plain cookie + bearer client).
 */
export async function serveExampleSpa(
  apiUrl: string,
  port?: number,
  { dpop = true }: { dpop?: boolean } = {},
): Promise<{ origin: string; stop: () => Promise<void> }> {
  port ??= await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(__dirname, '../../examples/spa/build.mjs'), '--serve', '--port', String(port), '--api', apiUrl, ...(dpop ? [] : ['--no-dpop'])],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const deadline = Date.now() + 20_000;
  while (!output.includes('SPA on')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`SPA did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    origin: `http://localhost:${port}`,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
