import { createTestApp, login, me, refreshBody, registerAndLogin, sleep, TestApp } from '../support/test-app';

describe('logout and logout-all', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('body logout ends that session: its refresh and access tokens stop at once, other sessions live on', async () => {
    const s = await registerAndLogin(t);
    const other = await login(t, s.email);
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: s.refreshToken }).expect(204);
    await refreshBody(t, s.refreshToken).expect(401);
    await me(t, s.accessToken).expect(401);
    await me(t, other.accessToken).expect(200);
    await refreshBody(t, other.refreshToken).expect(200);
  });

  it('cookie logout ends the session and clears the cookie', async () => {
    const user = await registerAndLogin(t);
    const res = await t.http().post('/auth/login').send({ email: user.email, password: 'correct horse battery staple' }).expect(200);
    const cookie = res.headers['set-cookie'][0].split(';')[0];
    const out = await t.http().post('/auth/logout').set('Cookie', cookie).expect(204);
    expect(out.headers['set-cookie'][0]).toMatch(/^refresh_token=;.*Path=\/auth.*Expires=Thu, 01 Jan 1970/);
    await t.http().post('/auth/refresh').set('Cookie', cookie).expect(401);
    await me(t, res.body.accessToken).expect(401);
  });

  it('logout with a token of a stale tab (rotated inside the grace window) ends the session without tripping reuse', async () => {
    const s = await registerAndLogin(t);
    const other = await login(t, s.email);
    const rotated = await refreshBody(t, s.refreshToken).expect(200);
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: s.refreshToken }).expect(204);
    await refreshBody(t, rotated.body.refreshToken).expect(401);
    await me(t, other.accessToken).expect(200);
  });

  it('logout with an unknown or missing token is 401', async () => {
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: 'x'.repeat(43) }).expect(401);
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({}).expect(401);
    await t.http().post('/auth/logout').expect(401);
  });

  it('logout-all ends every session of the user, including the caller, and nobody else', async () => {
    const s = await registerAndLogin(t);
    const second = await login(t, s.email);
    const stranger = await registerAndLogin(t);
    await t.http().post('/auth/logout-all').set('Authorization', `Bearer ${second.accessToken}`).expect(204);
    for (const pair of [s, second]) {
      await refreshBody(t, pair.refreshToken).expect(401);
      await me(t, pair.accessToken).expect(401);
    }
    await me(t, stranger.accessToken).expect(200);
    await refreshBody(t, stranger.refreshToken).expect(200);
  });

  it('logout-all without a valid bearer token is 401', async () => {
    await t.http().post('/auth/logout-all').expect(401);
    await t.http().post('/auth/logout-all').set('Authorization', 'Bearer nope').expect(401);
  });
});

describe('logout with a rotated token past the grace window', () => {
  it('is reuse, as on refresh: every session of the user ends, one security event, 401', async () => {
    const t = await createTestApp({ auth: { reuseGrace: 1, reuseRevokes: 'user' } });
    try {
      const owner = await registerAndLogin(t);
      const laptop = await login(t, owner.email);
      const rotated = await refreshBody(t, owner.refreshToken).expect(200); // the owner's phone moves on
      await sleep(1300);
      const before = t.logs.lines.length;
      // A thief with the old copy tries to sign the owner out quietly.
      await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: owner.refreshToken }).expect(401);
      expect(t.logs.lines.slice(before).filter((l) => l.includes('refresh_token_reuse_detected'))).toHaveLength(1);
      for (const pair of [rotated.body, laptop]) {
        await refreshBody(t, pair.refreshToken).expect(401);
        await me(t, pair.accessToken).expect(401);
      }
    } finally {
      await t.close();
    }
  });
});

