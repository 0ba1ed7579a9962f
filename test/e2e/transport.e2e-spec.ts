import { createTestApp, PASSWORD, register, TestApp } from '../support/test-app';

function cookieOf(setCookie: string[] | undefined): { value: string; attributes: string; header: string } {
  const line = (setCookie ?? []).find((c) => c.startsWith('refresh_token='))!;
  expect(line).toBeDefined();
  const [pair, ...attrs] = line.split(';');
  return { value: pair.slice('refresh_token='.length), attributes: attrs.join(';'), header: pair };
}

describe('cookie transport (browser SPA)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('sets an HttpOnly, SameSite=Strict, Secure cookie on /auth with Max-Age, and never puts the token in JSON', async () => {
    const user = await register(t);
    const res = await t.http().post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = cookieOf(res.headers['set-cookie'] as unknown as string[]);
    expect(cookie.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie.attributes).toMatch(/HttpOnly/);
    expect(cookie.attributes).toMatch(/SameSite=Strict/);
    expect(cookie.attributes).toMatch(/Path=\/auth(;|$)/);
    expect(cookie.attributes).toMatch(/Secure/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie.attributes)![1]);
    expect(maxAge).toBeGreaterThan(604800 - 5);
    expect(maxAge).toBeLessThanOrEqual(604800);
    expect(JSON.stringify(res.body)).not.toContain(cookie.value);

    const refreshed = await t.http().post('/auth/refresh').set('Cookie', cookie.header).expect(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    const next = cookieOf(refreshed.headers['set-cookie'] as unknown as string[]);
    expect(next.value).not.toBe(cookie.value);
    expect(refreshed.body.refreshToken).toBeUndefined();
    expect(JSON.stringify(refreshed.body)).not.toContain(next.value);
  });

  it('accepts a cookie refresh from an allowed Origin or with no Origin, refuses a foreign Origin with 403', async () => {
    const user = await register(t);
    const res = await t.http().post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    let cookie = cookieOf(res.headers['set-cookie'] as unknown as string[]).header;
    for (const origin of ['https://evil.example', 'null', 'http://localhost:5173.evil.example']) {
      const refused = await t.http().post('/auth/refresh').set('Cookie', cookie).set('Origin', origin).expect(403);
      expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: expect.any(String) });
      expect(refused.headers['set-cookie']).toBeUndefined();
      await t.http().post('/auth/logout').set('Cookie', cookie).set('Origin', origin).expect(403);
    }
    const allowed = await t.http().post('/auth/refresh').set('Cookie', cookie).set('Origin', 'http://localhost:5173').expect(200);
    cookie = cookieOf(allowed.headers['set-cookie'] as unknown as string[]).header;
    await t.http().post('/auth/refresh').set('Cookie', cookie).expect(200);
  });

  it('refuses a cookie login from a foreign Origin before checking anything (login CSRF): 403, no cookie, no session', async () => {
    const user = await register(t);
    for (const origin of ['https://evil.example', 'null', 'http://localhost:5173.evil.example']) {
      const refused = await t.http().post('/auth/login').set('Origin', origin).send({ email: user.email, password: PASSWORD }).expect(403);
      expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: expect.any(String) });
      expect(refused.headers['set-cookie']).toBeUndefined();
    }
    expect(await t.prisma.session.count({ where: { userId: user.id } })).toBe(0);
    // Allowed origin and non-browser clients (no Origin) sign in; the body transport sets no cookie, so any origin may use it.
    await t.http().post('/auth/login').set('Origin', 'http://localhost:5173').send({ email: user.email, password: PASSWORD }).expect(200);
    await t.http().post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    const body = await t.http().post('/auth/login').set('Origin', 'https://evil.example').set('X-Token-Transport', 'body')
      .send({ email: user.email, password: PASSWORD }).expect(200);
    expect(body.headers['set-cookie']).toBeUndefined();
  });

  it('refuses logout-all (it clears the cookie) from a foreign Origin', async () => {
    const user = await register(t);
    const res = await t.http().post('/auth/login').set('X-Token-Transport', 'body').send({ email: user.email, password: PASSWORD }).expect(200);
    const bearer = { Authorization: `Bearer ${res.body.accessToken}` };
    await t.http().post('/auth/logout-all').set(bearer).set('Origin', 'https://evil.example').expect(403);
    await t.http().get('/auth/me').set(bearer).expect(200);
    await t.http().post('/auth/logout-all').set(bearer).set('Origin', 'http://localhost:5173').expect(204);
  });

  it('takes a cookie refresh and logout sent with Content-Type: application/json and no body', async () => {
    const user = await register(t);
    const res = await t.http().post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    let cookie = cookieOf(res.headers['set-cookie'] as unknown as string[]).header;
    const refreshed = await t.http().post('/auth/refresh').set('Cookie', cookie).set('Content-Type', 'application/json').expect(200);
    cookie = cookieOf(refreshed.headers['set-cookie'] as unknown as string[]).header;
    await t.http().post('/auth/logout').set('Cookie', cookie).set('Content-Type', 'application/json').expect(204);
    await t.http().post('/auth/refresh').set('Cookie', cookie).expect(401);
  });

  it('omits Secure when COOKIE_SECURE=false', async () => {
    const insecure = await createTestApp({ app: { cookieSecure: false } });
    try {
      const user = await register(insecure);
      const res = await insecure.http().post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
      expect(cookieOf(res.headers['set-cookie'] as unknown as string[]).attributes).not.toMatch(/Secure/);
    } finally {
      await insecure.close();
    }
  });
});

describe('body transport (mobile)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('returns the refresh token in JSON, sets no cookie, and takes it back from the body', async () => {
    const user = await register(t);
    const res = await t.http().post('/auth/login').set('X-Token-Transport', 'body').send({ email: user.email, password: PASSWORD }).expect(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900, refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    // A foreign Origin does not matter here: no ambient credential is involved.
    const refreshed = await t.http().post('/auth/refresh').set('X-Token-Transport', 'body').set('Origin', 'https://app.example').send({ refreshToken: res.body.refreshToken }).expect(200);
    expect(refreshed.headers['set-cookie']).toBeUndefined();
    expect(refreshed.body.refreshToken).not.toBe(res.body.refreshToken);
  });

  it('ignores a body token without the transport header (cookie mode, no cookie → 401)', async () => {
    const user = await register(t);
    const res = await t.http().post('/auth/login').set('X-Token-Transport', 'body').send({ email: user.email, password: PASSWORD }).expect(200);
    await t.http().post('/auth/refresh').send({ refreshToken: res.body.refreshToken }).expect(401);
  });
});
