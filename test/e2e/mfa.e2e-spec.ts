import { createHash, randomBytes } from 'node:crypto';
import { Secret } from 'otpauth';
import { totpCode } from '../../src/auth/mfa/totp';
import { SmtpSink } from '../support/smtp-sink';
import {
  createTestApp,
  expectErrorShape,

  me,
  PASSWORD,
  refreshBody,
  registerAndLogin,
  Session,
  TestApp,
} from '../support/test-app';

const BODY = { 'X-Token-Transport': 'body' };
const STEP_MS = 30_000;
const NEW_PASSWORD = 'a brand new passphrase 9';

/** A code as the user's app shows it, `steps` periods from now (RFC 6238, computed from the enrolled secret). */
const codeAt = (secret: Buffer, steps = 0) => totpCode(secret, Date.now() + steps * STEP_MS);

interface Enrolled extends Session {
  secret: Buffer;
  recoveryCodes: string[];
}

const bearer = (accessToken: string) => ({ Authorization: `Bearer ${accessToken}` });

/** Registers, signs in and enrols TOTP (its first code spends the current step). */
async function enrolled(t: TestApp): Promise<Enrolled> {
  const s = await registerAndLogin(t);
  const enrol = await t.http().post('/auth/mfa/totp').set(bearer(s.accessToken)).expect(200);
  const secret = Buffer.from(Secret.fromBase32(enrol.body.secret).buffer);
  const confirmed = await t.http().post('/auth/mfa/totp/confirm').set(bearer(s.accessToken)).send({ code: codeAt(secret) }).expect(200);
  return { ...s, secret, recoveryCodes: confirmed.body.recoveryCodes };
}

const passwordStep = (t: TestApp, email: string, password = PASSWORD) =>
  t.http().post('/auth/login').set(BODY).send({ email, password }).expect(200);

const verify = (t: TestApp, ticket: string, factor: { code?: string; recoveryCode?: string }) =>
  t.http().post('/auth/mfa/verify').set(BODY).send({ ticket, ...factor });

describe('TOTP second factor (real Postgres and Redis)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  describe('enrolment', () => {
    it('gives a secret, an otpauth URI and a QR code; enabled only by a valid code; ten recovery codes once', async () => {
      const s = await registerAndLogin(t);
      const enrol = await t.http().post('/auth/mfa/totp').set(bearer(s.accessToken)).expect(200);
      expect(enrol.headers['cache-control']).toBe('no-store');
      const uri = new URL(enrol.body.otpauthUri);
      expect(uri.protocol).toBe('otpauth:');
      expect(uri.searchParams.get('secret')).toBe(enrol.body.secret);
      expect(decodeURIComponent(uri.pathname)).toContain(s.email);
      expect(enrol.body.qrCode).toMatch(/^data:image\/png;base64,/);
      const png = Buffer.from(enrol.body.qrCode.split(',')[1], 'base64');
      expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a'); // a PNG
      // Pending: nothing changes for logins yet.
      expect((await me(t, s.accessToken).expect(200)).body.mfaEnabled).toBe(false);
      expect((await passwordStep(t, s.email)).body.accessToken).toEqual(expect.any(String));
      const secret = Buffer.from(Secret.fromBase32(enrol.body.secret).buffer);
      const wrong = await t.http().post('/auth/mfa/totp/confirm').set(bearer(s.accessToken)).send({ code: codeAt(secret, 5) }).expect(400);
      expectErrorShape(wrong.body, 400);
      const ok = await t.http().post('/auth/mfa/totp/confirm').set(bearer(s.accessToken)).send({ code: codeAt(secret) }).expect(200);
      expect(ok.body.recoveryCodes).toHaveLength(10);
      expect(new Set(ok.body.recoveryCodes).size).toBe(10);
      for (const code of ok.body.recoveryCodes) expect(code).toMatch(/^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);
      expect((await me(t, s.accessToken).expect(200)).body.mfaEnabled).toBe(true);
      // Enabled: a new enrolment is refused until it is disabled.
      await t.http().post('/auth/mfa/totp').set(bearer(s.accessToken)).expect(409);
      await t.http().post('/auth/mfa/totp/confirm').set(bearer(s.accessToken)).send({ code: codeAt(secret, 1) }).expect(400);
    });

    it('stores the secret encrypted and the recovery codes hashed', async () => {
      const e = await enrolled(t);
      const [factor] = await t.prisma.$queryRaw<{ secret: Buffer }[]>`SELECT secret FROM totp_factors WHERE user_id = ${e.userId}::uuid`;
      expect(factor.secret.includes(e.secret)).toBe(false);
      expect(factor.secret.toString('latin1')).not.toContain(Secret.fromHex(e.secret.toString('hex')).base32);
      const codes = await t.prisma.$queryRaw<{ code_hash: Buffer }[]>`SELECT code_hash FROM mfa_recovery_codes WHERE user_id = ${e.userId}::uuid`;
      expect(codes).toHaveLength(10);
      const stored = Buffer.concat(codes.map((c) => c.code_hash)).toString('latin1');
      for (const code of e.recoveryCodes) {
        expect(stored).not.toContain(code);
        expect(stored).not.toContain(code.replace('-', ''));
      }
    });

    it('needs a signed-in user', async () => {
      expectErrorShape((await t.http().post('/auth/mfa/totp').expect(401)).body, 401);
    });
  });

  describe('login of an enrolled user', () => {
    it('the password step answers a ticket, no tokens, no cookie, no session; the code step opens the session', async () => {
      const e = await enrolled(t);
      const sessionsBefore = await sessionCount(t, e.userId);
      const step1 = await t.http().post('/auth/login').send({ email: e.email, password: PASSWORD }).expect(200);
      expect(step1.body).toEqual({ mfaRequired: true, mfaTicket: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresIn: 300 });
      expect(step1.headers['set-cookie']).toBeUndefined();
      expect(await sessionCount(t, e.userId)).toBe(sessionsBefore);
      // The code step on the cookie transport: the cookie is set there.
      const step2 = await t.http().post('/auth/mfa/verify').send({ ticket: step1.body.mfaTicket, code: codeAt(e.secret, 1) }).expect(200);
      expect(step2.body).toMatchObject({ accessToken: expect.any(String), tokenType: 'Bearer' });
      expect(step2.body.refreshToken).toBeUndefined();
      expect(String(step2.headers['set-cookie'])).toMatch(/^refresh_token=/);
      expect(await sessionCount(t, e.userId)).toBe(sessionsBefore + 1);
      await me(t, step2.body.accessToken).expect(200);
    });

    it('a code works once: replayed with another ticket inside its step → 401', async () => {
      const e = await enrolled(t);
      const code = codeAt(e.secret, 1);
      const first = await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { code }).expect(200);
      expect(first.body.refreshToken).toEqual(expect.any(String));
      const replay = await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { code }).expect(401);
      expectErrorShape(replay.body, 401);
    });

    it('a ticket works once, and dies after five wrong codes', async () => {
      const e = await enrolled(t);
      const ticket = (await passwordStep(t, e.email)).body.mfaTicket;
      await verify(t, ticket, { code: codeAt(e.secret, 1) }).expect(200);
      await verify(t, ticket, { recoveryCode: e.recoveryCodes[2] }).expect(401); // spent, even with another valid factor
      // Raced: one ticket, three valid recovery codes at once → one session.
      const raced = (await passwordStep(t, e.email)).body.mfaTicket;
      const results = await Promise.all([6, 7, 8].map((i) => verify(t, raced, { recoveryCode: e.recoveryCodes[i] })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);

      const doomed = (await passwordStep(t, e.email)).body.mfaTicket;
      for (let i = 0; i < 5; i++) await verify(t, doomed, { code: codeAt(e.secret, 10 + i) }).expect(401);
      const dead = await verify(t, doomed, { recoveryCode: e.recoveryCodes[0] }).expect(401);
      expect(dead.body.message).toMatch(/ticket/);
      // The recovery code was not spent by the dead ticket.
      await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { recoveryCode: e.recoveryCodes[0] }).expect(200);
    });

    it('a recovery code opens a session once; lower case and without the dash is the same code', async () => {
      const e = await enrolled(t);
      const code = e.recoveryCodes[3];
      const before = t.logs.lines.length;
      await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { recoveryCode: code.toLowerCase().replace('-', '') }).expect(200);
      await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { recoveryCode: code }).expect(401);
      const events = t.logs.records().slice(before).filter((r) => typeof r.event === 'string' && r.event.startsWith('mfa_'));
      expect(events.map((r) => [r.event, r.method])).toEqual([
        ['mfa_verified', 'recovery_code'],
        ['mfa_failed', 'recovery_code'],
      ]);
      expect(JSON.stringify(events)).not.toContain(code);
      const metrics = (await t.http().get('/metrics')).text;
      expect(metrics).toMatch(/auth_mfa_verifications_total\{outcome="success",method="recovery_code"\} [1-9]/);
      expect(metrics).toMatch(/auth_mfa_changes_total\{change="mfa_enrolled"\} [1-9]/);
    });

    it('bad tickets and bad input: 401 and 400 in the error shape, never 500', async () => {
      await verify(t, 'A'.repeat(43), { code: '123456' }).expect(401);
      for (const body of [{}, { ticket: 'x', code: '12345' }, { ticket: 'x', code: 123456 }, { ticket: 42, code: '123456' }]) {
        const res = await t.http().post('/auth/mfa/verify').set(BODY).send(body);
        expect([400, 401]).toContain(res.status);
        expectErrorShape(res.body, res.status);
      }
    });

    it('a ticket from before a password change opens no session, even with a right code', async () => {
      const e = await enrolled(t);
      const old = await passwordStep(t, e.email);
      await t.http().post('/auth/password/change').set(bearer(e.accessToken))
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD }).expect(204);
      const sessionsBefore = await sessionCount(t, e.userId);
      const refused = await verify(t, old.body.mfaTicket, { code: codeAt(e.secret, 1) }).expect(401);
      expectErrorShape(refused.body, 401);
      expect(refused.body.message).toMatch(/sign in again/);
      expect(await sessionCount(t, e.userId)).toBe(sessionsBefore);
      expect(t.logs.records()).toContainEqual(expect.objectContaining({ event: 'login_failed', userId: e.userId, reason: 'password_changed' }));
      // A ticket of the new password opens one.
      const fresh = await passwordStep(t, e.email, NEW_PASSWORD);
      await verify(t, fresh.body.mfaTicket, { recoveryCode: e.recoveryCodes[0] }).expect(200);
      expect(await sessionCount(t, e.userId)).toBe(sessionsBefore + 1);
    });

    it('a ticket stored without a password stamp (issued before tickets had one) is refused', async () => {
      const e = await enrolled(t);
      const ticket = randomBytes(32).toString('base64url');
      const key = `mfa:t:${createHash('sha256').update(ticket).digest('hex')}`;
      await t.redis.client.set(key, e.userId, 'EX', 60);
      await verify(t, ticket, { recoveryCode: e.recoveryCodes[0] }).expect(401);
      // The same ticket with the stamp of the current password is honoured: the format is the only difference.
      const [{ stamp }] = await t.prisma.$queryRaw<{ stamp: Buffer }[]>`SELECT sha256(convert_to(password_hash, 'UTF8')) AS stamp FROM users WHERE id = ${e.userId}::uuid`;
      await t.redis.client.set(key, `${e.userId}.${Buffer.from(stamp).toString('base64url')}`, 'EX', 60);
      await verify(t, ticket, { recoveryCode: e.recoveryCodes[0] }).expect(200);
    });

    it('a password reset does not bypass the second factor', async () => {
      const smtp = await SmtpSink.start();
      const app = await createTestApp({ mail: { smtpUrl: smtp.url, appUrl: 'https://app.example' } });
      try {
        const e = await enrolled(app);
        await app.http().post('/auth/password/forgot').send({ email: e.email }).expect(202);
        const token = /reset-password\?token=([\w-]{43})/.exec((await smtp.waitFor(e.email, /Reset/)).text ?? '')![1];
        await app.http().post('/auth/password/reset').send({ token, password: 'a brand new passphrase 9' }).expect(204);
        const step1 = await passwordStep(app, e.email, 'a brand new passphrase 9');
        expect(step1.body).toMatchObject({ mfaRequired: true });
        expect(step1.body.accessToken).toBeUndefined();
      } finally {
        await app.close();
        await smtp.close();
      }
    });
  });

  describe('changes that need the password and a code', () => {
    it('disable: wrong password or code → 400; right ones → 204, other sessions end, this one stays', async () => {
      const e = await enrolled(t);
      const other = await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { code: codeAt(e.secret, 1) }).expect(200);
      const disable = (body: object) => t.http().post('/auth/mfa/totp/disable').set(bearer(e.accessToken)).send(body);
      expectErrorShape((await disable({ password: 'wrong password 1', recoveryCode: e.recoveryCodes[0] }).expect(400)).body, 400);
      await disable({ password: PASSWORD, code: codeAt(e.secret, 7) }).expect(400);
      await disable({ password: PASSWORD }).expect(400); // no code at all
      await disable({ password: PASSWORD, recoveryCode: e.recoveryCodes[1] }).expect(204);
      await me(t, other.body.accessToken).expect(401);
      await refreshBody(t, other.body.refreshToken).expect(401);
      expect((await me(t, e.accessToken).expect(200)).body.mfaEnabled).toBe(false);
      // Logins are single-step again; no recovery code is left.
      expect((await passwordStep(t, e.email)).body.accessToken).toEqual(expect.any(String));
      const rows = await t.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM mfa_recovery_codes WHERE user_id = ${e.userId}::uuid`;
      expect(rows[0].n).toBe(0);
    });

    it('regenerating recovery codes: the old ones stop working, the new ones work, other sessions end', async () => {
      const e = await enrolled(t);
      const other = await login2(t, e);
      const regenerated = await t.http().post('/auth/mfa/recovery-codes').set(bearer(e.accessToken))
        .send({ password: PASSWORD, code: codeAt(e.secret, 1) }).expect(200);
      expect(regenerated.body.recoveryCodes).toHaveLength(10);
      await me(t, other.accessToken).expect(401);
      await me(t, e.accessToken).expect(200);
      await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { recoveryCode: e.recoveryCodes[5] }).expect(401);
      await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { recoveryCode: regenerated.body.recoveryCodes[5] }).expect(200);
    });
  });
});

describe('second-factor throttling and two instances (shared Redis and Postgres)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp({ throttle: { mfaFailuresPerAccount: 8 } });
    b = await createTestApp({ throttle: { mfaFailuresPerAccount: 8 } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('a ticket from one instance is verified on the other; a code spent on one is refused on the other', async () => {
    const e = await enrolled(a);
    const code = codeAt(e.secret, 1);
    await verify(b, (await passwordStep(a, e.email)).body.mfaTicket, { code }).expect(200);
    await verify(a, (await passwordStep(b, e.email)).body.mfaTicket, { code }).expect(401);
  });

  it('wrong codes on both instances count together: the ticket dies after five, the account is throttled after eight (429)', async () => {
    const e = await enrolled(a);
    const ticket = (await passwordStep(a, e.email)).body.mfaTicket;
    for (let i = 0; i < 5; i++) await verify(i % 2 ? a : b, ticket, { code: codeAt(e.secret, 10 + i) }).expect(401);
    await verify(a, ticket, { code: codeAt(e.secret, 1) }).expect(401); // dead, though the code is right
    const second = (await passwordStep(b, e.email)).body.mfaTicket;
    for (let i = 0; i < 3; i++) await verify(i % 2 ? a : b, second, { code: codeAt(e.secret, 20 + i) }).expect(401);
    const throttled = await verify(a, second, { code: codeAt(e.secret, 1) }).expect(429);
    expectErrorShape(throttled.body, 429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('parallel wrong codes cannot outrun the account limit (points taken before the check)', async () => {
    const e = await enrolled(a);
    const tickets = await Promise.all(Array.from({ length: 4 }, () => passwordStep(a, e.email).then((r) => r.body.mfaTicket)));
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => verify(i % 2 ? a : b, tickets[i % 4], { code: codeAt(e.secret, 30 + (i % 5)) })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(8);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8);
  });
});

async function sessionCount(t: TestApp, userId: string): Promise<number> {
  const rows = await t.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM sessions WHERE user_id = ${userId}::uuid`;
  return rows[0].n;
}

/** A second signed-in session of an enrolled user, through a recovery code (a TOTP code is spent per step). */
async function login2(t: TestApp, e: Enrolled): Promise<{ accessToken: string }> {
  const res = await verify(t, (await passwordStep(t, e.email)).body.mfaTicket, { recoveryCode: e.recoveryCodes[9] }).expect(200);
  return res.body;
}

