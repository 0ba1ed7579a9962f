// page.evaluate() callbacks run in the browser:
/// <reference lib="dom" />
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AppProcess } from '../support/app-process';
import { BrowserStack, registeredInNewProfile, startBrowserStack } from '../support/browser';
import { Secret } from 'otpauth';
import { totpCode } from '../../src/auth/mfa/totp';
import { jwtClaims } from '../support/dpop';
import { SmtpSink } from '../support/smtp-sink';
import { PASSWORD, sleep, uniqueEmail } from '../support/test-app';

const GRACE_SECONDS = 2;

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}
jest.setTimeout(60_000);

/**
 * The example SPA (examples/spa) in Debian's Chromium against the production build of the API:
 * SPA on http://localhost:<a>, API on http://localhost:<b> (cross-origin, same-site, CORS with
 * credentials), refresh token only in the httpOnly cookie, access token only in memory.
 */
describe('browser SPA without DPoP (Chromium, cookie transport)', () => {
  let stack: BrowserStack;
  let api: AppProcess;
  let spa: BrowserStack['spa'];
  let browser: Browser;
  let apiUrl: string;

  beforeAll(async () => {
    stack = await startBrowserStack(
      () => ({
        LOG_LEVEL: 'debug', // test 5 reads the request headers from the access log
        REFRESH_TOKEN_REUSE_GRACE: String(GRACE_SECONDS),
      }),
      { dpop: false },
    );
    ({ api, spa, browser, apiUrl } = stack);
  });
  afterAll(() => stack?.stop());

  /** A new browser profile (own cookie jar) with a freshly registered, signed-in user. */
  const signedIn = () => registeredInNewProfile(browser, spa.origin, uniqueEmail(), PASSWORD);

  // The cookie's Path is /auth: ask for the cookies a request to the refresh endpoint would carry.
  const refreshCookie = async (context: BrowserContext) =>
    (await context.cookies(`${apiUrl}/auth/refresh`)).find((c) => c.name === 'refresh_token');

  /** A request outside the browser presenting a refresh token in the Cookie header. */
  const replayCookie = (token: string) =>
    fetch(`${apiUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: `refresh_token=${token}` } });

  it('1. signs in, shows the user, and keeps the refresh token out of document.cookie', async () => {
    const { context, page, email } = await signedIn();
    await expect(page.locator('#user-email').textContent()).resolves.toBe(email);
    const cookie = await refreshCookie(context);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/auth' });
    expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    const visible = await page.evaluate(() => document.cookie);
    expect(visible).not.toContain('refresh_token');
    expect(visible).not.toContain(cookie!.value);
    // Nothing token-like in web storage either.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }))).toBe('{}');
    // The README's picture is refreshed with UPDATE_SCREENSHOTS=1; other runs keep theirs aside.
    const shots = process.env.UPDATE_SCREENSHOTS ? '../../docs' : '../../test-results';
    await page.screenshot({ path: path.join(__dirname, shots, 'spa-signed-in.png') });
    await context.close();
  });

  it('2. restores the session after a reload through the cookie', async () => {
    const { context, page, email } = await signedIn();
    const before = (await refreshCookie(context))!.value;
    await page.reload();
    await page.locator('#user-email').filter({ hasText: email }).waitFor();
    expect((await refreshCookie(context))!.value).not.toBe(before); // the reload rotated it
    await context.close();
  });

  it('3. two tabs refreshing at the same moment both stay signed in; nothing is revoked', async () => {
    const { context, page: tab1, email } = await signedIn();
    const tab2 = await context.newPage();
    await tab2.goto(spa.origin);
    await tab2.locator('#user-email').filter({ hasText: email }).waitFor();

    // Hold both refresh requests until both are issued with the same cookie, then release them together.
    const held: Array<() => Promise<void>> = [];
    const cookiesSent: string[] = [];
    await context.route('**/auth/refresh', async (route) => {
      cookiesSent.push((await route.request().allHeaders()).cookie ?? '');
      held.push(() => route.continue());
      if (held.length === 2) await Promise.all(held.map((release) => release()));
    });
    const [r1, r2] = await Promise.all([
      tab1.evaluate(() => (window as any).authClient.refresh()),
      tab2.evaluate(() => (window as any).authClient.refresh()),
    ]);
    await context.unroute('**/auth/refresh');
    expect(cookiesSent).toHaveLength(2);
    expect(cookiesSent[0]).toBe(cookiesSent[1]);
    expect([r1, r2]).toEqual([true, true]);

    for (const tab of [tab1, tab2]) {
      await tab.click('#reload-profile');
      await expect(tab.locator('#app-view').isVisible()).resolves.toBe(true);
    }
    // Both tabs still have a working session: it is the same single session, not revoked.
    const sessions = await tab2.evaluate(() => (window as any).authClient.json('/auth/sessions'));
    expect(sessions).toHaveLength(1);
    await tab1.reload();
    await tab1.locator('#user-email').filter({ hasText: email }).waitFor();
    await context.close();
  });

  it('4. logout lands on the login page after a reload; the old cookie is refused', async () => {
    const { context, page } = await signedIn();
    const old = (await refreshCookie(context))!.value;
    await page.click('#logout');
    await page.locator('#login-view').waitFor();
    expect(await refreshCookie(context)).toBeUndefined();
    await page.reload();
    await page.locator('#login-view').waitFor();
    expect(await page.locator('#app-view').isVisible()).toBe(false);
    expect((await replayCookie(old)).status).toBe(401);
  });

  it('5. a page on a foreign origin cannot refresh with the cookie (403) nor read a token', async () => {
    const { context } = await signedIn();
    // The attacker's page: a real server on another port of localhost (same site, other origin).
    const evilServer = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<h1>evil</h1>'));
    evilServer.listen(0, 'localhost');
    await once(evilServer, 'listening');
    // A failing assertion must still close the server, or its open handle keeps jest running.
    try {
      const evilOrigin = `http://localhost:${(evilServer.address() as { port: number }).port}`;
      const evil = await context.newPage();
      await evil.goto(`${evilOrigin}/`);
      const result = await evil.evaluate(async (url) => {
        try {
          const res = await fetch(`${url}/auth/refresh`, { method: 'POST', credentials: 'include' });
          return { read: await res.text() };
        } catch (err) {
          return { blocked: String(err) };
        }
      }, apiUrl);
      expect(result).toEqual({ blocked: expect.stringContaining('TypeError') }); // CORS hides the answer
      // The API's access log: the browser did send the cookie, and the answer was 403.
      const record = await waitFor(() =>
        api.output.map((l) => JSON.parse(l)).find((r) => r.req?.path === '/auth/refresh' && r.req.headers.origin === evilOrigin),
      );
      expect(record.res.statusCode).toBe(403);
      expect(record.req.headers.cookie).toBe('[redacted]'); // present (and redacted)
      expect(record.res.headers['set-cookie']).toBeUndefined();
    } finally {
      evilServer.closeAllConnections();
      evilServer.close();
      await context.close();
    }
  });

  it('6. after reuse is detected elsewhere, the SPA is signed out at its next request', async () => {
    const { context, page } = await signedIn();
    const stolen = (await refreshCookie(context))!.value;
    await page.evaluate(() => (window as any).authClient.refresh()); // the owner rotates it
    await sleep(GRACE_SECONDS * 1000 + 500);
    expect((await replayCookie(stolen)).status).toBe(401); // the thief's replay: reuse → all sessions end
    await page.click('#reload-profile'); // access token now revoked → refresh → 401 → signed out
    await page.locator('#login-view').waitFor();
    await expect(page.locator('#login-message').textContent()).resolves.toMatch(/session ended/);
    await context.close();
  });

  it("7. a foreign page's auto-submitted login form cannot sign the victim's browser into the attacker's account (login CSRF)", async () => {
    // The attacker's own, real account.
    const attacker = { email: uniqueEmail(), password: PASSWORD };
    await fetch(`${apiUrl}/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(attacker) });
    // Two classic forms: urlencoded, and text/plain shaped so that the body reads as JSON.
    const jsonName = `{"email":"${attacker.email}","password":"${attacker.password}","pad":"`;
    const forms: Record<string, string> = {
      '/urlencoded': `<form method="post" action="${apiUrl}/auth/login"><input name="email" value="${attacker.email}"><input name="password" value="${attacker.password}"></form>`,
      '/text-plain': `<form method="post" enctype="text/plain" action="${apiUrl}/auth/login"><input name='${jsonName}' value='"}'></form>`,
    };
    const evilServer = http.createServer((req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`${forms[req.url ?? ''] ?? ''}<script>document.forms[0]?.submit()</script>`),
    );
    evilServer.listen(0, 'localhost');
    await once(evilServer, 'listening');
    const context = await browser.newContext(); // the victim's browser
    try {
      const evilOrigin = `http://localhost:${(evilServer.address() as { port: number }).port}`;
      for (const form of Object.keys(forms)) {
        const page = await context.newPage();
        const answer = page.waitForResponse((r) => r.url() === `${apiUrl}/auth/login`);
        await page.goto(`${evilOrigin}${form}`);
        expect([form, (await answer).status()]).toEqual([form, 415]);
        await page.close();
      }
      expect(await refreshCookie(context)).toBeUndefined();
    } finally {
      evilServer.closeAllConnections();
      evilServer.close();
      await context.close();
    }
  });
});

/**
 * The example SPA as built by default: sessions bound (DPoP) to a non-extractable WebCrypto
 * key kept in IndexedDB. What a page script, an extension or malware can copy out of the
 * browser (the access token, the cookie from the profile's files) is refused anywhere else.
 */
describe('browser SPA with a DPoP key (Chromium, WebCrypto + IndexedDB)', () => {
  let stack: BrowserStack;
  let spa: BrowserStack['spa'];
  let browser: Browser;
  let apiUrl: string;

  beforeAll(async () => {
    stack = await startBrowserStack();
    ({ spa, browser, apiUrl } = stack);
  });
  afterAll(() => stack?.stop());

  /** The key pair as IndexedDB keeps it, and what WebCrypto lets a script do with it. */
  const inspectStoredKey = (page: Page) =>
    page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('auth-dpop');
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const keys = await new Promise<CryptoKeyPair>((resolve, reject) => {
        const get = db.transaction('keys').objectStore('keys').get('device');
        get.onsuccess = () => resolve(get.result);
        get.onerror = () => reject(get.error);
      });
      db.close();
      const exportAttempt = await crypto.subtle.exportKey('jwk', keys.privateKey).then(
        () => 'exported',
        (err: DOMException) => err.name,
      );
      const pkcs8Attempt = await crypto.subtle.exportKey('pkcs8', keys.privateKey).then(
        () => 'exported',
        (err: DOMException) => err.name,
      );
      return { extractable: keys.privateKey.extractable, algorithm: keys.privateKey.algorithm, exportAttempt, pkcs8Attempt };
    });

  it('8. binds the session to a non-extractable key in IndexedDB; a copied token or cookie is refused elsewhere', async () => {
    const { context, page, email } = await registeredInNewProfile(browser, spa.origin, uniqueEmail(), PASSWORD);

    // The key: stored as a CryptoKey, usable for signing, impossible to export.
    const stored = await inspectStoredKey(page);
    expect(stored).toMatchObject({ extractable: false, algorithm: { name: 'ECDSA', namedCurve: 'P-256' } });
    expect(stored.exportAttempt).toBe('InvalidAccessError');
    expect(stored.pkcs8Attempt).toBe('InvalidAccessError');

    // The session is bound: what XSS could read from the page is an access token with cnf.jkt.
    const accessToken: string = await page.evaluate(() => (window as any).authClient.accessToken);
    expect(jwtClaims(accessToken).cnf.jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = (await context.cookies(`${apiUrl}/auth/refresh`)).find((c) => c.name === 'refresh_token')!;

    // Copied out of the browser: refused as Bearer, as DPoP without a proof, and with a proof by another key.
    const asBearer = await fetch(`${apiUrl}/auth/me`, { headers: { Authorization: `Bearer ${accessToken}` } });
    const asDpop = await fetch(`${apiUrl}/auth/me`, { headers: { Authorization: `DPoP ${accessToken}` } });
    expect([asBearer.status, asDpop.status]).toEqual([401, 401]);
    const replayed = await fetch(`${apiUrl}/auth/refresh`, { method: 'POST', headers: { Cookie: `refresh_token=${cookie.value}` } });
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);

    // Another browser profile with the stolen cookie: its SPA has its own key and cannot restore the session.
    const thief = await browser.newContext();
    await thief.addCookies([cookie]);
    const thiefPage = await thief.newPage();
    await thiefPage.goto(spa.origin);
    await thiefPage.locator('#login-view').waitFor();
    const thiefKey = await inspectStoredKey(thiefPage).catch(() => null);
    expect(thiefKey?.exportAttempt ?? 'no key').not.toBe('exported');
    await thief.close();

    // The owner is untouched: a reload restores the session with the key from IndexedDB.
    await page.reload();
    await page.locator('#user-email').filter({ hasText: email }).waitFor();
    await page.click('#reload-profile');
    await expect(page.locator('#app-message').textContent()).resolves.toBe('');
    await page.click('#logout');
    await page.locator('#login-view').waitFor();
    await context.close();
  });
});

/**
 * Every link a mail carries opens a page of the example SPA, and the second factor is usable
 * from it: the API mails through a real SMTP sink, APP_URL is the SPA's origin.
 */
describe('browser SPA: mailed links and the second factor (Chromium, real SMTP)', () => {
  let stack: BrowserStack;
  let api: AppProcess;
  let spa: BrowserStack['spa'];
  let browser: Browser;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    stack = await startBrowserStack((spaOrigin) => ({ APP_URL: spaOrigin, SMTP_URL: smtp.url }));
    ({ api, spa, browser } = stack);
  });
  afterAll(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  /** The link of the newest mail to `email` whose subject matches. */
  const linkIn = async (email: string, subject: RegExp) => {
    const mail = await smtp.waitFor(email, subject, 10_000);
    smtp.messages.splice(smtp.messages.indexOf(mail), 1);
    const link = /(http:\/\/localhost:\d+\/[\w-]+\?token=[\w-]{43})/.exec(mail.text ?? '')?.[1];
    expect(link?.startsWith(spa.origin)).toBe(true);
    return link!;
  };

  async function signIn(page: Page, email: string, password = PASSWORD) {
    await page.goto(spa.origin);
    await page.locator('#login-view').waitFor();
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.click('#login');
  }

  it('9. the verification link confirms the address; forgot → the mailed reset link → a new password works', async () => {
    const { context, page, email } = await registeredInNewProfile(browser, spa.origin, uniqueEmail(), PASSWORD);
    await expect(page.locator('#email-status').textContent()).resolves.toBe('email not confirmed yet');

    // The verification mail's link, opened in the browser.
    await page.goto(await linkIn(email, /Confirm your email/));
    await page.locator('#verify-message').filter({ hasText: 'confirmed' }).waitFor();
    expect(page.url()).not.toContain('token='); // dropped from the address bar once read
    await page.goto(spa.origin);
    await page.locator('#email-status').filter({ hasText: 'email confirmed' }).waitFor();
    await page.click('#logout');
    await page.locator('#login-view').waitFor();

    // Forgot password, from the sign-in page.
    await page.click('#forgot-link');
    await page.locator('#forgot-view').waitFor();
    await page.fill('#forgot-email', email);
    await page.click('#forgot-submit');
    await page.locator('#forgot-message').filter({ hasText: 'on its way' }).waitFor();
    const resetLink = await linkIn(email, /Reset your password/);
    expect(new URL(resetLink).pathname).toBe('/reset-password');
    await page.goto(resetLink);
    await page.locator('#reset-view').waitFor();
    await page.fill('#reset-password', 'a brand new passphrase 77');
    await page.click('#reset-submit');
    await page.locator('#reset-done').filter({ hasText: 'password is set' }).waitFor();
    // The link works once: the same page again refuses it.
    await page.goto(resetLink);
    await page.fill('#reset-password', 'yet another passphrase 78');
    await page.click('#reset-submit');
    await page.locator('#reset-message').filter({ hasText: /invalid, used or expired/ }).waitFor();

    await signIn(page, email, PASSWORD);
    await page.locator('#login-message').filter({ hasText: 'Invalid email or password' }).waitFor();
    await signIn(page, email, 'a brand new passphrase 77');
    await page.locator('#user-email').filter({ hasText: email }).waitFor();
    await context.close();
  });

  it('10. enrol an authenticator from the QR screen, sign out, sign in with a code and then with a recovery code', async () => {
    const { context, page, email } = await registeredInNewProfile(browser, spa.origin, uniqueEmail(), PASSWORD);

    await page.click('#mfa-enable');
    await page.locator('#mfa-enrol').waitFor();
    // The QR code is a real image the browser decoded (what a phone would scan).
    const qr = await page.locator('#mfa-qr').evaluate((img: HTMLImageElement) => ({ src: img.src.slice(0, 22), width: img.naturalWidth }));
    expect(qr).toEqual({ src: 'data:image/png;base64,', width: expect.any(Number) });
    expect(qr.width).toBeGreaterThan(50);
    const secret = Buffer.from(Secret.fromBase32((await page.locator('#mfa-secret').textContent())!).buffer);
    await page.fill('#mfa-confirm-code', totpCode(secret));
    await page.click('#mfa-confirm');
    await page.locator('#recovery-view').waitFor();
    const recoveryCodes = await page.locator('#recovery-codes li').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await page.locator('#mfa-status').filter({ hasText: 'On' }).waitFor();
    await page.click('#logout');
    await page.locator('#login-view').waitFor();

    // Sign in: the password step asks for the code; the next step's code (one step of drift).
    await signIn(page, email);
    await page.locator('#mfa-view').waitFor();
    expect(await context.cookies(`http://localhost:${api.port}/auth/refresh`)).toEqual([]); // no session yet
    await page.fill('#mfa-code', '000000' === totpCode(secret, Date.now() + 30_000) ? '111111' : '000000');
    await page.click('#mfa-submit');
    await page.locator('#mfa-message').filter({ hasText: 'Invalid code' }).waitFor();
    await page.fill('#mfa-code', totpCode(secret, Date.now() + 30_000));
    await page.click('#mfa-submit');
    await page.locator('#user-email').filter({ hasText: email }).waitFor();
    await page.click('#logout');
    await page.locator('#login-view').waitFor();

    // Sign in with a recovery code instead.
    await signIn(page, email);
    await page.locator('#mfa-view').waitFor();
    await page.check('#mfa-use-recovery');
    await page.fill('#mfa-code', recoveryCodes[4]);
    await page.click('#mfa-submit');
    await page.locator('#user-email').filter({ hasText: email }).waitFor();
    await context.close();
  });
});
