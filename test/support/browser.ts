import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { AppProcess, startAppProcess } from './app-process';
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

export interface BrowserStack {
  api: AppProcess;
  apiUrl: string;
  spa: { origin: string; stop: () => Promise<void> };
  browser: Browser;
  stop: () => Promise<void>;
}

/**
 * The production API (a child process) allowing the origin of a freshly served example SPA,
 * and Chromium. The API must know the SPA's origin before it starts, the SPA the API's URL:
 * the SPA's port is chosen first. `env` gets the SPA's origin; `COOKIE_SECURE=false` (plain
 * http on localhost) and `ALLOWED_ORIGINS` are set.
 */
export async function startBrowserStack(
  env: (spaOrigin: string) => Record<string, string> = () => ({}),
  { dpop = true }: { dpop?: boolean } = {},
): Promise<BrowserStack> {
  const spaPort = await freePort();
  const spaOrigin = `http://localhost:${spaPort}`;
  const api = await startAppProcess({ ALLOWED_ORIGINS: spaOrigin, COOKIE_SECURE: 'false', LOG_LEVEL: 'warn', ...env(spaOrigin) });
  const apiUrl = `http://localhost:${api.port}`;
  const spa = await serveExampleSpa(apiUrl, spaPort, { dpop }).catch(async (err) => {
    await api.stop();
    throw err;
  });
  const browser = await launchChromium();
  return {
    api,
    apiUrl,
    spa,
    browser,
    stop: async () => {
      await browser.close();
      await spa.stop();
      await api.stop();
    },
  };
}

/**
 * A new browser profile (own cookie jar, own IndexedDB) whose user registered through the SPA's
 * form and is signed in.
 */
export async function registeredInNewProfile(
  browser: Browser,
  spaOrigin: string,
  email: string,
  password: string,
): Promise<{ context: BrowserContext; page: Page; email: string }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(spaOrigin);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#register');
  await page.locator('#user-email').filter({ hasText: email }).waitFor();
  return { context, page, email };
}
