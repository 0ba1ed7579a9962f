import { createHmac } from 'node:crypto';
import { Secret } from 'otpauth';
import { normalizeRecoveryCode } from '../../src/auth/mfa/recovery-codes';
import { totpCode } from '../../src/auth/mfa/totp';
import { TokenHasher } from '../../src/auth/tokens/token-crypto';
import { authConfig } from '../../src/config/auth.config';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, login, me, PASSWORD, refreshBody, register, registerAndLogin, TestApp, TestAppOptions } from '../support/test-app';

/**
 * Rotating JWT_ACCESS_SECRET and REFRESH_TOKEN_SECRET (README, "Rotating secrets"). Apps on one
 * database and Redis stand for instances before, during and after a rotation: `before` runs on
 * the old secrets (the test environment's), `during` on new ones with the old as
 * *_PREVIOUS, `after` on the new ones alone, and `phase1` on the old ones with the new as
 * *_PREVIOUS (the first step of a rotation across several instances).
 */
const OLD = { jwt: authConfig().jwtAccessSecret, refresh: authConfig().refreshTokenSecret };
const NEW = { jwt: 'rotated-access-secret-0123456789-abcdef', refresh: 'rotated-refresh-secret-0123456789-abcdef' };
const BODY = { 'X-Token-Transport': 'body' };
const RESET = /Reset your password/;
const VERIFY = /Confirm your email address/;
const NEW_PASSWORD = 'a brand new passphrase 77';

/** An HS256 JWT with these claims under `secret`. */
function signed(claims: object, secret: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const bearer = (accessToken: string) => ({ Authorization: `Bearer ${accessToken}` });
const logout = (t: TestApp, refreshToken: string) => t.http().post('/auth/logout').set(BODY).send({ refreshToken });

describe('secret rotation (JWT_ACCESS_SECRET_PREVIOUS, REFRESH_TOKEN_SECRET_PREVIOUS)', () => {
  let smtp: SmtpSink;
  let before: TestApp;
  let during: TestApp;
  let duringWithoutGrace: TestApp;
  let after: TestApp;
  let phase1: TestApp;

  beforeAll(async () => {
    smtp = await SmtpSink.start();
    const mail = { smtpUrl: smtp.url, appUrl: 'https://app.example' };
    // The operator pinned the second factors' key to the old refresh secret (required while it rotates).
    const mfa = { encryptionSecret: OLD.refresh };
    const rotating: TestAppOptions['auth'] = {
      jwtAccessSecret: NEW.jwt,
      jwtAccessSecretPrevious: OLD.jwt,
      refreshTokenSecret: NEW.refresh,
      refreshTokenSecretPrevious: OLD.refresh,
    };
    before = await createTestApp({ mail });
    during = await createTestApp({ auth: rotating, mfa, mail });
    duringWithoutGrace = await createTestApp({ auth: { ...rotating, reuseGrace: 0 }, mfa, mail });
    after = await createTestApp({ auth: { jwtAccessSecret: NEW.jwt, refreshTokenSecret: NEW.refresh }, mfa, mail });
    phase1 = await createTestApp({
      auth: { jwtAccessSecretPrevious: NEW.jwt, refreshTokenSecretPrevious: NEW.refresh },
      mfa,
      mail,
    });
  });
  afterAll(async () => {
    for (const t of [before, during, duringWithoutGrace, after, phase1]) await t?.close();
    await smtp.close();
  });

  describe('access tokens', () => {
    it('signed before the rotation pass while the old secret is JWT_ACCESS_SECRET_PREVIOUS, and not once it is gone', async () => {
      const s = await registerAndLogin(before);
      await me(during, s.accessToken).expect(200);
      await me(phase1, s.accessToken).expect(200);
      await me(after, s.accessToken).expect(401);
    });

    it('are issued under the new secret only', async () => {
      const s = await registerAndLogin(during);
      await me(after, s.accessToken).expect(200);
      await me(before, s.accessToken).expect(401);
      await me(phase1, s.accessToken).expect(200); // the first step of a rotation already accepts them
    });

    it('signed with neither secret, or with the old one for other claims, are refused', async () => {
      const s = await registerAndLogin(before);
      const claims = claimsOf(s.accessToken);
      await me(during, signed(claims, OLD.jwt)).expect(200); // the control: the same claims re-signed
      await me(during, signed(claims, 'some-other-secret-0123456789-abcdef')).expect(401);
      await me(during, signed({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 }, OLD.jwt)).expect(401);
      await me(during, signed({ ...claims, sub: 'not-a-uuid' }, OLD.jwt)).expect(401);
    });
  });

  describe('refresh tokens', () => {
    it('issued before the rotation rotate onto the new secret: the successor works where only the new secret is known', async () => {
      const s = await registerAndLogin(before);
      const rotated = await refreshBody(during, s.refreshToken).expect(200);
      await me(during, rotated.body.accessToken).expect(200);
      const next = await refreshBody(after, rotated.body.refreshToken).expect(200);
      await me(after, next.body.accessToken).expect(200);
    });

    it('issued before the rotation are refused where the old secret is not known (the control)', async () => {
      const s = await registerAndLogin(before);
      await refreshBody(after, s.refreshToken).expect(401);
      await refreshBody(during, s.refreshToken).expect(200);
    });

    it('a pre-rotation token replayed after its rotation is reuse: every session of the user ends, access tokens too', async () => {
      const s = await registerAndLogin(before);
      const other = await login(before, s.email);
      const rotated = await refreshBody(during, s.refreshToken).expect(200);
      await refreshBody(duringWithoutGrace, s.refreshToken).expect(401);
      await refreshBody(during, rotated.body.refreshToken).expect(401);
      await me(during, rotated.body.accessToken).expect(401);
      await refreshBody(during, other.refreshToken).expect(401);
      await me(during, other.accessToken).expect(401);
    });

    it('concurrent refreshes of one pre-rotation token all get the same successor (grace window), and it works', async () => {
      const s = await registerAndLogin(before);
      const answers = await Promise.all(Array.from({ length: 6 }, () => refreshBody(during, s.refreshToken)));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      const successors = new Set(answers.map((r) => r.body.refreshToken));
      expect(successors.size).toBe(1);
      await refreshBody(after, [...successors][0]).expect(200);
    });

    it('a replay inside the grace window gets the successor an instance on the other secret issued (a rolling deploy)', async () => {
      // An instance still on the old secret rotated the token; a new one sees the replay.
      const a = await registerAndLogin(before);
      const byOld = await refreshBody(before, a.refreshToken).expect(200);
      const replayOnNew = await refreshBody(during, a.refreshToken).expect(200);
      expect(replayOnNew.body.refreshToken).toBe(byOld.body.refreshToken);
      // A new instance rotated it; an instance of the first step (old secret, new accepted) sees the replay.
      const b = await registerAndLogin(before);
      const byNew = await refreshBody(during, b.refreshToken).expect(200);
      const replayOnPhase1 = await refreshBody(phase1, b.refreshToken).expect(200);
      expect(replayOnPhase1.body.refreshToken).toBe(byNew.body.refreshToken);
    });

    it('the first step of a rotation already accepts tokens of the new secret', async () => {
      const s = await registerAndLogin(during);
      const rotated = await refreshBody(phase1, s.refreshToken).expect(200);
      await refreshBody(during, rotated.body.refreshToken).expect(200);
    });

    it('logout with a pre-rotation token ends its session', async () => {
      const s = await registerAndLogin(before);
      await logout(during, s.refreshToken).expect(204);
      await me(during, s.accessToken).expect(401);
      await refreshBody(during, s.refreshToken).expect(401);
    });
  });

  describe('links mailed before the rotation', () => {
    async function mailed(email: string, subject: RegExp): Promise<string> {
      const mail = await smtp.waitFor(email, subject);
      smtp.messages.splice(smtp.messages.indexOf(mail), 1);
      return /token=([A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1];
    }

    it('a reset link works while the old secret is REFRESH_TOKEN_SECRET_PREVIOUS, and not once it is gone', async () => {
      const user = await register(before);
      await before.http().post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const token = await mailed(user.email, RESET);
      await after.http().post('/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(400);
      await during.http().post('/auth/password/reset').send({ token, password: NEW_PASSWORD }).expect(204);
      await during.http().post('/auth/login').set(BODY).send({ email: user.email, password: NEW_PASSWORD }).expect(200);
    });

    it('a verification link works while the old secret is REFRESH_TOKEN_SECRET_PREVIOUS, and not once it is gone', async () => {
      const user = await register(before);
      const token = await mailed(user.email, VERIFY);
      await after.http().post('/auth/email/verify').send({ token }).expect(400);
      await during.http().post('/auth/email/verify').send({ token }).expect(204);
      const row = await during.prisma.$queryRaw<{ verified: boolean }[]>`SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE id = ${user.id}::uuid`;
      expect(row[0].verified).toBe(true);
    });
  });

  describe('second factors enrolled with MFA_ENCRYPTION_KEY unset (keyed from the old refresh secret)', () => {
    async function enrolled(t: TestApp) {
      const s = await registerAndLogin(t);
      const enrol = await t.http().post('/auth/mfa/totp').set(bearer(s.accessToken)).expect(200);
      const secret = Buffer.from(Secret.fromBase32(enrol.body.secret).buffer);
      const confirmed = await t.http().post('/auth/mfa/totp/confirm').set(bearer(s.accessToken)).send({ code: totpCode(secret, Date.now()) }).expect(200);
      return { ...s, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
    }
    const ticketOf = async (t: TestApp, email: string) =>
      (await t.http().post('/auth/login').set(BODY).send({ email, password: PASSWORD }).expect(200)).body.mfaTicket as string;
    const verify = (t: TestApp, ticket: string, factor: { code?: string; recoveryCode?: string }) =>
      t.http().post('/auth/mfa/verify').set(BODY).send({ ticket, ...factor });

    it('keep working after the rotation, the previous secret gone, with MFA_ENCRYPTION_KEY set to the old secret', async () => {
      const e = await enrolled(before);
      await verify(after, await ticketOf(after, e.email), { code: totpCode(e.secret, Date.now() + 30_000) }).expect(200);
      await verify(after, await ticketOf(after, e.email), { recoveryCode: e.recoveryCodes[0] }).expect(200);
      await verify(during, await ticketOf(during, e.email), { recoveryCode: e.recoveryCodes[1] }).expect(200);
    });

    it('recovery codes made after the rotation are keyed by MFA_ENCRYPTION_KEY, not the new refresh secret', async () => {
      const e = await enrolled(during);
      // An instance whose refresh secret rotated once more still takes them.
      const later = await createTestApp({ auth: { jwtAccessSecret: NEW.jwt, refreshTokenSecret: 'yet-another-refresh-secret-0123456789' }, mfa: { encryptionSecret: OLD.refresh } });
      try {
        await verify(later, await ticketOf(later, e.email), { recoveryCode: e.recoveryCodes[0] }).expect(200);
        await verify(later, await ticketOf(later, e.email), { code: totpCode(e.secret, Date.now() + 30_000) }).expect(200);
      } finally {
        await later.close();
      }
    });

    it('recovery codes keyed by REFRESH_TOKEN_SECRET before they were keyed like TOTP secrets still count, under it or its previous value', async () => {
      const separate = { encryptionSecret: 'a-separate-mfa-encryption-key-0123456789' };
      const withKey = await createTestApp({ mfa: separate });
      const rotated = await createTestApp({ auth: { refreshTokenSecret: NEW.refresh, refreshTokenSecretPrevious: OLD.refresh }, mfa: separate });
      try {
        const e = await enrolled(withKey);
        // Two of the codes as an earlier release stored them: hashed under REFRESH_TOKEN_SECRET.
        const legacy = TokenHasher.forPurpose(OLD.refresh, 'mfa-recovery-code/v1');
        for (const code of e.recoveryCodes.slice(0, 2)) {
          const fresh = TokenHasher.forPurpose(separate.encryptionSecret, 'mfa-recovery-code/v1').hash(normalizeRecoveryCode(code));
          const moved = await withKey.prisma.$executeRaw`UPDATE mfa_recovery_codes SET code_hash = ${legacy.hash(normalizeRecoveryCode(code))} WHERE code_hash = ${fresh}`;
          expect(moved).toBe(1);
        }
        await verify(withKey, await ticketOf(withKey, e.email), { recoveryCode: e.recoveryCodes[0] }).expect(200);
        await verify(rotated, await ticketOf(rotated, e.email), { recoveryCode: e.recoveryCodes[1] }).expect(200);
        await verify(after, await ticketOf(after, e.email), { recoveryCode: e.recoveryCodes[2] }).expect(401); // another MFA key
      } finally {
        await withKey.close();
        await rotated.close();
      }
    });
  });
});
