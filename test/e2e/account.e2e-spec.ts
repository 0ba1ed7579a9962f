import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import { MailService } from '../../src/mail/mail.service';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, login, me, PASSWORD, refreshBody, register, registerAndLogin, sleep, TestApp, uniqueEmail } from '../support/test-app';

const RESET = /Reset your password/;

const NEW_PASSWORD = 'a brand new passphrase 42';
const BODY = { 'X-Token-Transport': 'body' };

describe('password reset and change, sessions', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    t = await createTestApp({ mail: { smtpUrl: smtp.url, appUrl: 'https://app.example' } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  async function mailedToken(email: string): Promise<string> {
    await t.http().post('/auth/password/forgot').send({ email }).expect(202);
    const mail = await smtp.waitFor(email, RESET);
    smtp.messages.splice(smtp.messages.indexOf(mail), 1);
    const link = /https:\/\/app\.example\/reset-password\?token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '');
    expect(link).not.toBeNull();
    expect(mail.html).toContain(link![0]);
    return link![1];
  }

  it('mails a working single-use link; the reset ends every session of the user', async () => {
    const s = await registerAndLogin(t);
    const other = await login(t, s.email);
    const token = await mailedToken(s.email);
    await t.http().post('/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(204);
    for (const pair of [s, other]) {
      await refreshBody(t, pair.refreshToken).expect(401);
      await me(t, pair.accessToken).expect(401);
    }
    await t.http().post('/auth/login').send({ email: s.email, password: PASSWORD }).expect(401);
    await t.http().post('/auth/login').send({ email: s.email, password: NEW_PASSWORD }).expect(200);
    // Single use.
    const again = await t.http().post('/auth/password/reset').send({ token, password: 'yet another passphrase 7' }).expect(400);
    expect(again.body.message).toMatch(/invalid, used or expired/);
  });

  it('answers forgot with the same 202 for unknown emails and sends nothing', async () => {
    const known = await register(t);
    const a = await t.http().post('/auth/password/forgot').send({ email: uniqueEmail() }).expect(202);
    const b = await t.http().post('/auth/password/forgot').send({ email: known.email }).expect(202);
    expect(a.body).toEqual(b.body);
    await smtp.waitFor(known.email, RESET);
    await sleep(200);
    expect(smtp.messages.filter((m) => RESET.test(m.subject ?? '') && !JSON.stringify(m.to).includes(known.email))).toHaveLength(0);
    smtp.messages.length = 0;
  });

  it('supersedes an earlier unused token with a new request', async () => {
    const user = await register(t);
    const first = await mailedToken(user.email);
    const second = await mailedToken(user.email);
    await t.http().post('/auth/password/reset').send({ token: first, password: NEW_PASSWORD }).expect(400);
    await t.http().post('/auth/password/reset').send({ token: second, password: NEW_PASSWORD }).expect(204);
  });

  it('refuses a weak password without spending the token', async () => {
    const user = await register(t);
    const token = await mailedToken(user.email);
    for (const weak of ['short', 'password123', user.email]) {
      const res = await t.http().post('/auth/password/reset').send({ token, password: weak }).expect(400);
      expect(res.body.message).toMatch(/password/);
    }
    await t.http().post('/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(204);
  });

  it('refuses malformed and unknown tokens with 400', async () => {
    for (const token of ['', 'abc', 'x'.repeat(43), 'x'.repeat(200)]) {
      await t.http().post('/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(400);
    }
    await t.http().post('/auth/password/reset').send({ token: 42, password: NEW_PASSWORD }).expect(400);
  });

  it('stores only the hash of the reset token', async () => {
    const user = await register(t);
    const token = await mailedToken(user.email);
    const rows = await t.prisma.$queryRaw<{ row: string }[]>`SELECT row_to_json(r)::text AS row FROM password_resets r`;
    const all = rows.map((r) => r.row).join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(Buffer.from(token, 'base64url').toString('hex'));
    const row = await t.prisma.passwordReset.findFirstOrThrow({ where: { userId: user.id } });
    const key = createHmac('sha256', process.env.REFRESH_TOKEN_SECRET!).update('password-reset/v1').digest('hex');
    expect(Buffer.from(row.tokenHash)).toEqual(createHmac('sha256', key).update(token).digest());
  });

  it('change ends the other sessions only; a wrong current password changes nothing', async () => {
    const s = await registerAndLogin(t);
    const other = await login(t, s.email);
    const auth = { Authorization: `Bearer ${s.accessToken}` };
    await t.http().post('/auth/password/change').set(auth).send({ currentPassword: 'wrong password 1', newPassword: NEW_PASSWORD }).expect(400);
    await me(t, other.accessToken).expect(200);
    await t.http().post('/auth/password/change').set(auth).send({ currentPassword: PASSWORD, newPassword: 'password' }).expect(400);
    await t.http().post('/auth/password/change').set(auth).send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(204);
    await me(t, other.accessToken).expect(401);
    await refreshBody(t, other.refreshToken).expect(401);
    await me(t, s.accessToken).expect(200);
    await refreshBody(t, s.refreshToken).expect(200);
    await t.http().post('/auth/login').send({ email: s.email, password: NEW_PASSWORD }).expect(200);
    await t.http().post('/auth/password/change').send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(401);
  });

  it('change retires reset links mailed before it: the link cannot undo the change', async () => {
    const s = await registerAndLogin(t);
    const token = await mailedToken(s.email);
    await t.http().post('/auth/password/change').set({ Authorization: `Bearer ${s.accessToken}` })
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(204);
    const res = await t.http().post('/auth/password/reset').send({ token, password: 'the attacker chose this 99' }).expect(400);
    expect(res.body.message).toMatch(/invalid, used or expired/);
    await t.http().post('/auth/login').send({ email: s.email, password: NEW_PASSWORD }).expect(200);
  });

  /**
   * Logins with the old password, four at a time, for as long as `replace` runs: when the
   * password changes, some of them are between their password check and their session.
   */
  async function loginsDuring(email: string, replace: () => Promise<unknown>) {
    const logins: Array<{ status: number; body: any }> = [];
    let replacing = true;
    const keepLoggingIn = async () => {
      while (replacing) logins.push(await t.http().post('/auth/login').set(BODY).send({ email, password: PASSWORD }));
    };
    const loops = [keepLoggingIn(), keepLoggingIn(), keepLoggingIn(), keepLoggingIn()];
    await sleep(100);
    await replace();
    replacing = false;
    await Promise.all(loops);
    return logins;
  }

  /** Whatever those logins got is dead, and no session of the user lives but `keep`. */
  async function expectNoneOutlivesTheChange(userId: string, logins: Array<{ status: number; body: any }>, keep: string[]) {
    expect(logins.map((r) => r.status).filter((status) => status !== 200 && status !== 401)).toEqual([]);
    // The race happened: a login checked the old password and reached its session too late.
    const raced = t.logs.records().filter((r) => r.event === 'login_failed' && r.userId === userId && r.reason === 'password_changed');
    expect(raced.length).toBeGreaterThan(0);
    for (const { body } of logins.filter((r) => r.status === 200)) {
      await refreshBody(t, body.refreshToken).expect(401);
      await me(t, body.accessToken).expect(401);
    }
    const live = await t.prisma.session.findMany({ where: { userId, revokedAt: null }, select: { id: true } });
    expect(live.map((x) => x.id)).toEqual(keep);
  }

  it('a reset wins over logins in flight with the old password: none of them keeps a session', async () => {
    const user = await register(t);
    const token = await mailedToken(user.email);
    const logins = await loginsDuring(user.email, () =>
      t.http().post('/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(204),
    );
    await expectNoneOutlivesTheChange(user.id, logins, []);
  });

  it('a change too: only the session that changed the password stays', async () => {
    const s = await registerAndLogin(t);
    const own = await t.prisma.session.findFirstOrThrow({ where: { userId: s.userId }, select: { id: true } });
    const logins = await loginsDuring(s.email, () =>
      t.http().post('/auth/password/change').set({ Authorization: `Bearer ${s.accessToken}` })
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(204),
    );
    await expectNoneOutlivesTheChange(s.userId, logins, [own.id]);
    await refreshBody(t, s.refreshToken).expect(200);
  });

  it('a login held between its password check and its session opens none once the password changed', async () => {
    const user = await register(t);
    // Another transaction holds the user's row, as a password change does while it commits.
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      await db.query('BEGIN');
      await db.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      const pending = t.http().post('/auth/login').set(BODY).send({ email: user.email, password: PASSWORD }).then((r) => r);
      // The login checked the old password and now waits for the row to open its session.
      // (Asked outside the open transaction: inside it pg_stat_activity would stay as first read.)
      const waiting = async () =>
        (await t.prisma.$queryRaw<unknown[]>`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO sessions%'`).length;
      for (let i = 0; i < 100 && !(await waiting()); i++) await sleep(50);
      expect(await waiting()).toBe(1);
      await db.query("UPDATE users SET password_hash = password_hash || 'x' WHERE id = $1", [user.id]);
      await db.query('COMMIT');
      const res = await pending;
      expect(res.status).toBe(401);
      expect(res.body.message).toBe('Invalid email or password');
      expect(await t.prisma.session.count({ where: { userId: user.id } })).toBe(0);
    } finally {
      await db.query('ROLLBACK').catch(() => undefined);
      await db.end();
    }
  });

  it('lists live sessions with the current one marked, and ends one by id', async () => {
    const s = await registerAndLogin(t);
    const phone = await t.http().post('/auth/login').set({ 'X-Token-Transport': 'body', 'User-Agent': 'phone/1' }).send({ email: s.email, password: PASSWORD }).expect(200);
    const auth = { Authorization: `Bearer ${s.accessToken}` };
    const list = await t.http().get('/auth/sessions').set(auth).expect(200);
    expect(list.body).toHaveLength(2);
    for (const item of list.body) {
      expect(Object.keys(item).sort()).toEqual(['createdAt', 'current', 'id', 'ip', 'lastUsedAt', 'userAgent']);
    }
    expect(list.body.filter((x: { current: boolean }) => x.current)).toHaveLength(1);
    const phoneSession = list.body.find((x: { userAgent: string }) => x.userAgent === 'phone/1');
    expect(phoneSession.current).toBe(false);

    await t.http().delete(`/auth/sessions/${phoneSession.id}`).set(auth).expect(204);
    await me(t, phone.body.accessToken).expect(401);
    await refreshBody(t, phone.body.refreshToken).expect(401);
    const after = await t.http().get('/auth/sessions').set(auth).expect(200);
    expect(after.body.map((x: { id: string }) => x.id)).not.toContain(phoneSession.id);
    await t.http().delete(`/auth/sessions/${phoneSession.id}`).set(auth).expect(404);
  });

  it("answers 404 for another user's session and 400 for a malformed id", async () => {
    const mine = await registerAndLogin(t);
    const theirs = await registerAndLogin(t);
    const [theirSession] = (await t.http().get('/auth/sessions').set({ Authorization: `Bearer ${theirs.accessToken}` }).expect(200)).body;
    const auth = { Authorization: `Bearer ${mine.accessToken}` };
    await t.http().delete(`/auth/sessions/${theirSession.id}`).set(auth).expect(404);
    await me(t, theirs.accessToken).expect(200);
    const bad = await t.http().delete('/auth/sessions/not-a-uuid').set(auth).expect(400);
    expect(bad.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.any(String) });
    await t.http().get('/auth/sessions').expect(401);
  });

  it('counts a failed delivery without failing the request', async () => {
    const broken = await createTestApp({ mail: { smtpUrl: 'smtp://127.0.0.1:1', appUrl: 'https://app.example' } });
    try {
      const mail = broken.app.get(MailService);
      const user = await register(broken); // its verification mail fails too
      for (let i = 0; i < 50 && mail.failedSends === 0; i++) await sleep(100);
      expect(mail.failedSends).toBe(1);
      await broken.http().post('/auth/password/forgot').send({ email: user.email }).expect(202);
      for (let i = 0; i < 50 && mail.failedSends === 1; i++) await sleep(100);
      expect(mail.failedSends).toBe(2);
      expect(broken.logs.text()).toMatch(/Mail to .* failed/);
      expect(broken.logs.text()).not.toMatch(/reset-password\?token=|verify-email\?token=/);
    } finally {
      await broken.close();
    }
  });
});

describe('expired reset token', () => {
  it('is refused with 400', async () => {
    const smtp = await SmtpSink.start();
    const t = await createTestApp({ auth: { passwordResetTtl: 1 }, mail: { smtpUrl: smtp.url, appUrl: 'https://app.example' } });
    try {
      const user = await register(t);
      await t.http().post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const token = /token=([A-Za-z0-9_-]{43})/.exec((await smtp.waitFor(user.email, RESET)).text ?? '')![1];
      await sleep(1300);
      await t.http().post('/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(400);
    } finally {
      await t.close();
      await smtp.close();
    }
  });
});

describe('throttling', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    t = await createTestApp({
      app: { trustProxy: true },
      mail: { smtpUrl: smtp.url },
      throttle: {
        loginFailuresPerAccount: 3, loginFailuresPerIp: 5, loginWindow: 2, loginSlowdownMs: 300,
        forgotPerEmail: 2, forgotPerIp: 50, forgotWindow: 60, registerPerIp: 3, registerWindow: 60,
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });
  const fromIp = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
  const loginFrom = (ip: string, email: string, password: string) => t.http().post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  /** Each from its own address: this app allows three registrations per address. */
  const registerUser = async (email = uniqueEmail()) =>
    (await t.http().post('/auth/register').set('X-Forwarded-For', fromIp()).send({ email, password: PASSWORD }).expect(201)).body as { email: string };

  it('stops guesses at an account from one address with 429 and Retry-After, and the lock decays', async () => {
    const user = await registerUser();
    const attacker = fromIp();
    for (let i = 0; i < 3; i++) await loginFrom(attacker, user.email, 'wrong password 1').expect(401);
    const locked = await loginFrom(attacker, user.email, PASSWORD).expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(locked.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.any(String) });
    await sleep(Number(locked.headers['retry-after']) * 1000 + 200);
    await loginFrom(attacker, user.email, PASSWORD).expect(200);
  });

  it("cannot lock the owner out: after a burst from elsewhere the owner's password still works, only slowed down", async () => {
    const user = await registerUser();
    for (const attacker of [fromIp(), fromIp()]) {
      for (let i = 0; i < 3; i++) await loginFrom(attacker, user.email, 'wrong password 1').expect(401);
      await loginFrom(attacker, user.email, 'wrong password 1').expect(429);
    }
    const started = Date.now();
    await loginFrom(fromIp(), user.email, PASSWORD).expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // the account-wide slowdown, not a lock
  });

  it('takes the point before the password check: 12 parallel wrong guesses from one address get 3 × 401 and 9 × 429', async () => {
    const user = await registerUser();
    const attacker = fromIp();
    const statuses = (await Promise.all(Array.from({ length: 12 }, () => loginFrom(attacker, user.email, 'wrong password 1')))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
  });

  it('takes the per-address point before the check too: 12 parallel guesses at 12 accounts get 5 × 401 and 7 × 429', async () => {
    const attacker = fromIp();
    const statuses = (await Promise.all(Array.from({ length: 12 }, () => loginFrom(attacker, uniqueEmail(), 'wrong password 1')))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    await loginFrom(fromIp(), uniqueEmail(), 'wrong password 1').expect(401);
  });

  it('gives the point back on success: correct logins never use up the limits', async () => {
    const user = await registerUser();
    const client = fromIp();
    for (let i = 0; i < 8; i++) await loginFrom(client, user.email, PASSWORD).expect(200);
  });

  it('over the per-email reset limit answers the same 202 and sends no mail, so a stranger cannot block the owner', async () => {
    const email = (await registerUser()).email;
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await t.http().post('/auth/password/forgot').set('X-Forwarded-For', fromIp()).send({ email }).expect(202)).body);
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    await sleep(500);
    expect(smtp.to(email, RESET)).toHaveLength(2);
  });

  it('limits registrations per client address (existing emails included: no unlimited oracle)', async () => {
    const taken = await registerUser();
    const client = fromIp();
    for (let i = 0; i < 3; i++) await t.http().post('/auth/register').set('X-Forwarded-For', client).send({ email: taken.email, password: PASSWORD }).expect(409);
    const limited = await t.http().post('/auth/register').set('X-Forwarded-For', client).send({ email: uniqueEmail(), password: PASSWORD }).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.http().post('/auth/register').set('X-Forwarded-For', fromIp()).send({ email: uniqueEmail(), password: PASSWORD }).expect(201);
  });
});

describe('throttling rules shared by other routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      app: { trustProxy: true },
      throttle: { loginFailuresPerAccount: 3, loginFailuresPerIp: 100, loginWindow: 60, forgotPerEmail: 100, forgotPerIp: 3, forgotWindow: 60 },
    });
  });
  afterAll(() => t.close());
  const ip = () => `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

  it('counts a wrong current password on /auth/password/change as a failed login of the account', async () => {
    const s = await registerAndLogin(t);
    const client = ip();
    for (let i = 0; i < 3; i++) {
      await t.http().post('/auth/password/change').set('X-Forwarded-For', client).set('Authorization', `Bearer ${s.accessToken}`)
        .send({ currentPassword: 'not the password', newPassword: `${PASSWORD} new` }).expect(400);
    }
    await t.http().post('/auth/login').set('X-Forwarded-For', client).send({ email: s.email, password: PASSWORD }).expect(429);
    await t.http().post('/auth/password/change').set('X-Forwarded-For', client).set('Authorization', `Bearer ${s.accessToken}`)
      .send({ currentPassword: PASSWORD, newPassword: `${PASSWORD} new` }).expect(429);
  });

  it('limits reset requests per client address (FORGOT_MAX_PER_IP) across emails', async () => {
    const client = ip();
    for (let i = 0; i < 3; i++) await t.http().post('/auth/password/forgot').set('X-Forwarded-For', client).send({ email: uniqueEmail() }).expect(202);
    const limited = await t.http().post('/auth/password/forgot').set('X-Forwarded-For', client).send({ email: uniqueEmail() }).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await t.http().post('/auth/password/forgot').set('X-Forwarded-For', ip()).send({ email: uniqueEmail() }).expect(202);
  });
});

