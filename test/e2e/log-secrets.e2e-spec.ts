import { DpopKey } from '../support/dpop';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, me, PASSWORD, refreshBody, sleep, TestApp, uniqueEmail } from '../support/test-app';

/**
 * Every flow of the contract with every log line captured (LOG_LEVEL=debug, the most verbose):
 * no password, refresh token, access token or reset token may appear anywhere in them.
 */
const ORIGIN = 'https://api.example.test';

describe('no secrets in logs', () => {
  let smtp: SmtpSink;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await SmtpSink.start();
    t = await createTestApp({
      app: { logLevel: 'debug' },
      auth: { reuseGrace: 0 },
      mail: { smtpUrl: smtp.url, appUrl: 'https://app.example' },
      dpop: { publicOrigin: ORIGIN },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('logs events and requests of a full flow without a single secret', async () => {
    const secrets: string[] = [];
    const keep = <T extends string>(value: T) => (secrets.push(value), value);
    const email = uniqueEmail();
    const body = { 'X-Token-Transport': 'body' };

    await t.http().post('/auth/register').send({ email, password: keep(PASSWORD) }).expect(201);
    await t.http().post('/auth/login').send({ email, password: keep('wrong password, logged?') }).expect(401);
    const cookieLogin = await t.http().post('/auth/login').send({ email, password: PASSWORD }).expect(200);
    keep(cookieLogin.body.accessToken);
    const cookie = cookieLogin.headers['set-cookie'][0].split(';')[0];
    keep(cookie.split('=')[1]);
    const cookieRefresh = await t.http().post('/auth/refresh').set('Cookie', cookie).expect(200);
    keep(cookieRefresh.headers['set-cookie'][0].split(';')[0].split('=')[1]);

    const mobile = await t.http().post('/auth/login').set(body).send({ email, password: PASSWORD }).expect(200);
    keep(mobile.body.accessToken);
    keep(mobile.body.refreshToken);
    const rotated = await refreshBody(t, mobile.body.refreshToken).expect(200);
    keep(rotated.body.refreshToken);
    keep(rotated.body.accessToken);
    await me(t, rotated.body.accessToken).expect(200);
    await t.http().get('/auth/sessions').set('Authorization', `Bearer ${rotated.body.accessToken}`).expect(200);
    // Query strings are not logged either (a reset link pasted in the wrong place).
    await t.http().get(`/auth/me?token=${rotated.body.refreshToken}`).set('Authorization', `Bearer ${rotated.body.accessToken}`).expect(200);

    // Reuse (theft): the event names user and session only.
    await refreshBody(t, mobile.body.refreshToken).expect(401);

    // Reset by mail, then change, then logout-all.
    await t.http().post('/auth/password/forgot').send({ email }).expect(202);
    const mail = await smtp.waitFor(email, /Reset your password/);
    const resetToken = keep(/token=([\w-]+)/.exec(mail.text!)![1]);
    await t.http().post('/auth/password/reset').send({ token: resetToken, password: keep('a brand new passphrase 1') }).expect(204);
    await t.http().post('/auth/password/reset').send({ token: resetToken, password: 'another new passphrase 2' }).expect(400);
    const again = await t.http().post('/auth/login').set(body).send({ email, password: 'a brand new passphrase 1' }).expect(200);
    keep(again.body.accessToken);
    keep(again.body.refreshToken);
    await t.http()
      .post('/auth/password/change')
      .set('Authorization', `Bearer ${again.body.accessToken}`)
      .send({ currentPassword: 'a brand new passphrase 1', newPassword: keep('the third passphrase 3') })
      .expect(204);
    await t.http().post('/auth/logout-all').set('Authorization', `Bearer ${again.body.accessToken}`).expect(204);
    await t.http().post('/auth/logout').set(body).send({ refreshToken: again.body.refreshToken }).expect(204);

    // DPoP: proofs are redacted like the tokens they accompany; a refused proof is an event.
    const key = await DpopKey.generate();
    const proof = (method: string, path: string, accessToken?: string) => key.proof(method, `${ORIGIN}${path}`, { accessToken }).then(keep);
    const bound = await t.http().post('/auth/login').set(body).set('DPoP', await proof('POST', '/auth/login')).send({ email, password: 'the third passphrase 3' }).expect(200);
    keep(bound.body.refreshToken);
    const boundNext = await t.http().post('/auth/refresh').set(body).set('DPoP', await proof('POST', '/auth/refresh')).send({ refreshToken: bound.body.refreshToken }).expect(200);
    keep(boundNext.body.refreshToken);
    await t.http().get('/auth/me').set('Authorization', `DPoP ${keep(boundNext.body.accessToken)}`)
      .set('DPoP', await proof('GET', '/auth/me', boundNext.body.accessToken)).expect(200);
    await t.http().post('/auth/refresh').set(body).send({ refreshToken: boundNext.body.refreshToken }).expect(401);

    await sleep(200); // the reset mail is handled after its response

    const text = t.logs.text();
    expect(t.logs.lines.length).toBeGreaterThan(20);
    for (const event of ['login_failed', 'refresh_token_reuse_detected', 'user_revoked', 'password_reset_requested', 'dpop_proof_rejected']) {
      expect(text).toContain(`"event":"${event}"`);
    }
    const leaked = secrets.filter((secret) => text.includes(secret));
    expect(leaked).toEqual([]);
    // Not even a recognisable fragment of a JWT or of a refresh token.
    expect(text).not.toMatch(/eyJhbGciOi/);
    for (const secret of secrets.filter((s) => s.length >= 40)) expect(text).not.toContain(secret.slice(0, 20));
  });
});
