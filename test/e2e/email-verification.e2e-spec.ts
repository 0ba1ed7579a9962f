import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, expectErrorShape, login, me, PASSWORD, register, sleep, TestApp, uniqueEmail } from '../support/test-app';

const APP_URL = 'https://app.example';
const VERIFY = /Confirm your email address/;
const TRIED = /Someone tried to sign up/;

/** The mailed link's token: only ever in the mail, 256 bits, base64url. */
function tokenIn(mail: { text?: string; html?: string | false }): string {
  const link = /https:\/\/app\.example\/verify-email\?token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
  expect(link).not.toBeNull();
  expect(mail.html).toContain(link![0]);
  return link![1];
}

describe('verified email (real SMTP, Postgres, Redis)', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    t = await createTestApp({ mail: { smtpUrl: smtp.url, appUrl: APP_URL }, auth: { emailVerificationTtl: 3600 } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('register mails a single-use link; following it sets emailVerified on /auth/me', async () => {
    const { email } = await register(t);
    const token = tokenIn(await smtp.waitFor(email, VERIFY));
    const { accessToken } = await login(t, email);
    expect((await me(t, accessToken).expect(200)).body.emailVerified).toBe(false);
    await t.http().post('/auth/email/verify').send({ token }).expect(204);
    expect((await me(t, accessToken).expect(200)).body).toMatchObject({ email, emailVerified: true, mfaEnabled: false });
    const again = await t.http().post('/auth/email/verify').send({ token }).expect(400);
    expectErrorShape(again.body, 400);
    expect(again.body.message).toMatch(/invalid, used or expired/);
  });

  it('stores only a keyed hash of the token', async () => {
    const { email } = await register(t);
    const token = tokenIn(await smtp.waitFor(email, VERIFY));
    const rows = await t.prisma.$queryRaw<{ token_hash: Buffer }[]>`
      SELECT v.token_hash FROM email_verifications v JOIN users u ON u.id = v.user_id WHERE u.email = ${email}`;
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toHaveLength(32);
    expect(rows[0].token_hash.toString('base64url')).not.toBe(token);
    expect(rows[0].token_hash.includes(Buffer.from(token))).toBe(false);
  });

  it('two concurrent uses of one link: exactly one succeeds', async () => {
    const { email } = await register(t);
    const token = tokenIn(await smtp.waitFor(email, VERIFY));
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => t.http().post('/auth/email/verify').send({ token })))).map((r) => r.status);
    expect(statuses.sort()).toEqual([204, 400, 400, 400, 400, 400]);
  });

  it('resend mails a new link and retires the earlier one; same 202 for unknown, verified and unverified addresses', async () => {
    const { email } = await register(t);
    const first = tokenIn(await smtp.waitFor(email, VERIFY));
    smtp.messages.length = 0;
    const answers = [];
    for (const address of [email, uniqueEmail()]) answers.push((await t.http().post('/auth/email/resend').send({ email: address }).expect(202)).body);
    expect(answers[0]).toEqual(answers[1]);
    const second = tokenIn(await smtp.waitFor(email, VERIFY));
    expect(second).not.toBe(first);
    await t.http().post('/auth/email/verify').send({ token: first }).expect(400);
    await t.http().post('/auth/email/verify').send({ token: second }).expect(204);
    // Verified now: a resend answers the same and mails nothing.
    smtp.messages.length = 0;
    await t.http().post('/auth/email/resend').send({ email }).expect(202);
    await sleep(300);
    expect(smtp.to(email, VERIFY)).toHaveLength(0);
  });

  it('refuses malformed input with 400 and the error shape', async () => {
    for (const body of [{}, { token: 42 }, { token: 'x'.repeat(300) }]) {
      expectErrorShape((await t.http().post('/auth/email/verify').send(body).expect(400)).body, 400);
    }
    expectErrorShape((await t.http().post('/auth/email/resend').send({ email: 'not an email' }).expect(400)).body, 400);
  });

  it('an expired link is refused', async () => {
    const short = await createTestApp({ mail: { smtpUrl: smtp.url, appUrl: APP_URL }, auth: { emailVerificationTtl: 1 } });
    try {
      const { email } = await register(short);
      const token = tokenIn(await smtp.waitFor(email, VERIFY));
      await sleep(1300);
      await short.http().post('/auth/email/verify').send({ token }).expect(400);
    } finally {
      await short.close();
    }
  });

  it('the cleanup job purges used and expired verification tokens', async () => {
    const used = await register(t);
    await t.http().post('/auth/email/verify').send({ token: tokenIn(await smtp.waitFor(used.email, VERIFY)) }).expect(204);
    const expired = await register(t);
    await smtp.waitFor(expired.email, VERIFY);
    await t.prisma.$executeRaw`UPDATE email_verifications SET expires_at = now() - interval '1 second'
                                 WHERE user_id = ${expired.id}::uuid`;
    const live = await register(t);
    await smtp.waitFor(live.email, VERIFY);
    const { TokenCleanupService } = await import('../../src/auth/cleanup/token-cleanup.service');
    const result = await t.app.get(TokenCleanupService).run();
    expect(result.status).toBe('done');
    const left = await t.prisma.$queryRaw<{ user_id: string }[]>`
      SELECT user_id FROM email_verifications WHERE user_id IN (${used.id}::uuid, ${expired.id}::uuid, ${live.id}::uuid)`;
    expect(left.map((r) => r.user_id)).toEqual([live.id]);
  });
});

describe('throttled resend (shared in Redis)', () => {
  it('per email: the same 202 but no mail beyond the limit; per address: 429 with Retry-After', async () => {
    const smtp = await SmtpSink.start();
    const t = await createTestApp({
      mail: { smtpUrl: smtp.url, appUrl: APP_URL },
      throttle: { verifyResendPerEmail: 2, verifyResendPerIp: 4 },
      app: { trustProxy: true },
    });
    try {
      const { email } = await register(t);
      await smtp.waitFor(email, VERIFY);
      smtp.messages.length = 0;
      for (let i = 0; i < 4; i++) {
        await t.http().post('/auth/email/resend').set('X-Forwarded-For', `203.0.113.${i + 1}`).send({ email }).expect(202);
      }
      await sleep(400);
      expect(smtp.to(email, VERIFY)).toHaveLength(2);
      const statuses: number[] = [];
      let retryAfter: string | undefined;
      for (let i = 0; i < 6; i++) {
        const res = await t.http().post('/auth/email/resend').set('X-Forwarded-For', '198.51.100.7').send({ email: uniqueEmail() });
        statuses.push(res.status);
        retryAfter ??= res.headers['retry-after'];
      }
      expect(statuses).toEqual([202, 202, 202, 202, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await t.close();
      await smtp.close();
    }
  });
});

describe('REQUIRE_VERIFIED_EMAIL', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    t = await createTestApp({ mail: { smtpUrl: smtp.url, appUrl: APP_URL }, auth: { requireVerifiedEmail: true } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('a login before verification → 403 with a message the SPA can act on; after it → 200', async () => {
    const email = uniqueEmail();
    await t.http().post('/auth/register').send({ email, password: PASSWORD }).expect(202);
    const link = await smtp.waitFor(email, VERIFY); // the account exists once its mail is out
    const refused = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(403);
    expectErrorShape(refused.body, 403);
    expect(refused.body.message).toMatch(/not verified/);
    // A wrong password stays a 401: the 403 comes only after the password is right.
    await t.http().post('/auth/login').send({ email, password: 'wrong password 123' }).expect(401);
    await t.http().post('/auth/email/verify').send({ token: tokenIn(link) }).expect(204);
    await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
  });

  it('registration does not tell who has an account: the same 202 body; the owner is told someone tried', async () => {
    const existing = uniqueEmail();
    const first = await t.http().post('/auth/register').send({ email: existing, password: PASSWORD }).expect(202);
    await smtp.waitFor(existing, VERIFY);
    const again = await t.http().post('/auth/register').send({ email: existing, password: 'another passphrase 42' }).expect(202);
    const fresh = await t.http().post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD }).expect(202);
    expect(again.body).toEqual(first.body);
    expect(fresh.body).toEqual(first.body);
    expect(Object.keys(again.headers).sort()).toEqual(Object.keys(fresh.headers).sort());
    const notice = await smtp.waitFor(existing, TRIED);
    expect(notice.text).toContain(`${APP_URL}/forgot-password`);
    // The second attempt changed nothing: the first password still works (after verification).
    await t.http().post('/auth/email/verify').send({ token: tokenIn(smtp.to(existing, VERIFY)[0]) }).expect(204);
    await t.http().post('/auth/login').send({ email: existing, password: PASSWORD }).expect(200);
    await t.http().post('/auth/login').send({ email: existing, password: 'another passphrase 42' }).expect(401);
  });

  it('a weak password is still refused with 400 (it says nothing about the address)', async () => {
    const res = await t.http().post('/auth/register').send({ email: uniqueEmail(), password: 'password' }).expect(400);
    expectErrorShape(res.body, 400);
  });
});

describe('default mode keeps the registration contract', () => {
  it('201 {id, email, ...} for a new address, 409 for a taken one', async () => {
    const t = await createTestApp();
    try {
      const email = uniqueEmail();
      const created = await t.http().post('/auth/register').send({ email, password: PASSWORD }).expect(201);
      expect(created.body).toMatchObject({ id: expect.any(String), email });
      await t.http().post('/auth/register').send({ email, password: PASSWORD }).expect(409);
    } finally {
      await t.close();
    }
  });
});
