// page.evaluate() callbacks run in the browser:
/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { AppProcess, startAppProcess } from '../support/app-process';
import { launchChromium } from '../support/browser';

jest.setTimeout(120_000);

const TRIES = 20;
const BIG_JSON = JSON.stringify({ email: 'someone@example.test', password: 'x'.repeat(2_000_000) });
const BIG_HEADER = 'a'.repeat(40_000);

interface Case {
  name: string;
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

/** Answers the server decides before reading the body, each with a body the client is still sending. */
const CASES: Case[] = [
  { name: '413 (2 MB JSON body)', status: 413, contentType: 'application/json', body: BIG_JSON },
  { name: '415 (2 MB form body)', status: 415, contentType: 'application/x-www-form-urlencoded', body: `password=${'x'.repeat(2_000_000)}` },
  { name: '431 (40 kB header, 2 MB body)', status: 431, contentType: 'application/json', body: BIG_JSON, headers: { 'X-Padding': BIG_HEADER } },
];

const count = (outcomes: string[]) => outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});

/**
 * A client that sends its whole body before reading gets the early answer every time, not a
 * broken pipe: the server reads and drops the rest of the body before closing (lingering close).
 */
describe('early rejections reach real clients', () => {
  let api: AppProcess;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    api = await startAppProcess({ LOG_LEVEL: 'warn' });
    browser = await launchChromium();
    dir = mkdtempSync(`${tmpdir()}/early-`);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(CASES)("Node's fetch gets the $name answer 20 times out of 20", async ({ status, contentType, body, headers }) => {
    const outcomes: string[] = [];
    for (let i = 0; i < TRIES; i++) {
      const res = await fetch(`${api.baseUrl}/auth/login`, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body }).then(
        async (r) => `${r.status} ${(await r.json()).statusCode}`,
        (err) => String(err.cause?.code ?? err.message),
      );
      outcomes.push(res);
    }
    expect(count(outcomes)).toEqual({ [`${status} ${status}`]: TRIES });
  });

  it.each(CASES)('curl gets the $name answer', async ({ status, contentType, body, headers }) => {
    const file = `${dir}/body`;
    writeFileSync(file, body);
    const headerArgs = Object.entries({ 'Content-Type': contentType, ...headers }).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
    const outcomes: string[] = [];
    for (let i = 0; i < TRIES; i++) {
      const { stdout } = await promisify(execFile)('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...headerArgs, '--data-binary', `@${file}`, `${api.baseUrl}/auth/login`], {
        maxBuffer: 1 << 20,
      }).catch((err) => ({ stdout: `curl exit ${err.code}` }));
      outcomes.push(stdout);
    }
    expect(count(outcomes)).toEqual({ [String(status)]: TRIES });
  });

  it.each(CASES)("Chromium's fetch gets the $name answer", async ({ status, contentType, body, headers }) => {
    const page = await browser.newPage();
    try {
      // A blank page on the API's origin (served by Playwright, not the API): no CORS in the
      // way, and none of the API's CSP, which lets a JSON answer opened as a page fetch nothing.
      const blank = `${api.baseUrl}/__blank`;
      await page.route(blank, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }));
      await page.goto(blank);
      const outcomes = await page.evaluate(
        async ({ tries, contentType, body, headers }) => {
          const seen: string[] = [];
          for (let i = 0; i < tries; i++) {
            seen.push(
              await fetch('/auth/login', { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body }).then(
                (r) => String(r.status),
                (err) => String(err),
              ),
            );
          }
          return seen;
        },
        { tries: TRIES, contentType, body, headers },
      );
      expect(count(outcomes)).toEqual({ [String(status)]: TRIES });
    } finally {
      await page.close();
    }
  });

  it("keeps a JSON answer opened as a page from running or fetching anything (CSP default-src 'none')", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${api.baseUrl}/health/live`);
      const outcome = await page.evaluate(() => fetch('/health/live').then((r) => String(r.status), (err) => String(err)));
      expect(outcome).toBe('TypeError: Failed to fetch');
    } finally {
      await page.close();
    }
  });
});
