import { PasswordHasherService } from '../../src/auth/passwords/password-hasher.service';
import { createHmac, randomUUID } from 'node:crypto';
import { ValidationPipe } from '@nestjs/common';
import { createTestApp, expectErrorShape, PASSWORD, refreshBody, register, registerAndLogin, TestApp, uniqueEmail } from '../support/test-app';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A JWT signed for real with the header's HMAC algorithm (HS256/HS384/HS512). */
function jwt(header: { alg: string; typ: string }, claims: object, secret = process.env.JWT_ACCESS_SECRET!): string {
  const body = `${b64(header)}.${b64(claims)}`;
  return `${body}.${createHmac(`sha${header.alg.slice(2)}`, secret).update(body).digest('base64url')}`;
}
/** The payload of a JWT, read without verifying it. */
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

describe('bad input', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it.each([
    ['malformed JSON', '{"email": "a@b.c", ', 400],
    ['JSON that is not an object', '"just a string"', 400],
    ['wrong types', JSON.stringify({ email: 42, password: ['x'] }), 400],
    ['missing fields', JSON.stringify({}), 400],
    ['an invalid email', JSON.stringify({ email: 'not-an-email', password: PASSWORD }), 400],
    ['a too short password', JSON.stringify({ email: 'a@b.io', password: 'short' }), 400],
    ['an oversized body', JSON.stringify({ email: 'a@b.io', password: 'x'.repeat(100_000) }), 413],
    ['a __proto__ key', '{"email": "a@b.io", "password": "long enough password", "__proto__": {"admin": true}}', 400],
    ['an empty JSON body', '', 400],
  ])('register with %s → %i in the error shape', async (_name, body, status) => {
    const res = await t.http().post('/auth/register').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(status);
    expectErrorShape(res.body, status);
  });

  it('reads JSON only: any other body type (forms and plain text included, which need no CORS preflight) is a 415', async () => {
    const bodies: [string, string][] = [
      ['application/xml', '<email>a@b.io</email>'],
      ['text/plain', 'email=a@b.io'],
      ['application/x-www-form-urlencoded', `email=a%40b.io&password=${encodeURIComponent(PASSWORD)}`],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.io\r\n--x--'],
    ];
    for (const path of ['/auth/login', '/auth/register', '/auth/refresh', '/auth/logout', '/auth/password/forgot']) {
      for (const [type, body] of bodies) {
        const res = await t.http().post(path).set('Content-Type', type).send(body);
        expect([path, type, res.status]).toEqual([path, type, 415]);
        expectErrorShape(res.body, 415);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    }
  });

  it('login with malformed or missing fields → 400, never 500', async () => {
    for (const body of ['{bad', JSON.stringify({ email: null }), JSON.stringify({ email: 'a@b.io', password: { $gt: '' } })]) {
      const res = await t.http().post('/auth/login').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expectErrorShape(res.body, 400);
    }
  });

  it('register with a taken email (any case) → 409', async () => {
    const user = await register(t);
    const res = await t.http().post('/auth/register').send({ email: user.email.toUpperCase(), password: PASSWORD }).expect(409);
    expectErrorShape(res.body, 409);
  });

  it('gives one 401 message for an unknown email and a wrong password, and verifies a hash for both', async () => {
    const user = await register(t);
    const verify = jest.spyOn(t.app.get(PasswordHasherService), 'verify');
    try {
      const unknown = await t.http().post('/auth/login').send({ email: uniqueEmail(), password: PASSWORD }).expect(401);
      const wrong = await t.http().post('/auth/login').send({ email: user.email, password: `${PASSWORD}!` }).expect(401);
      expect(unknown.body).toEqual(wrong.body);
      expectErrorShape(unknown.body, 401);
      // The unknown email costs a password verification too (against a dummy hash): no timing oracle.
      expect(verify.mock.calls).toEqual([[null, PASSWORD], [expect.stringMatching(/^\$argon2id\$/), `${PASSWORD}!`]]);
    } finally {
      verify.mockRestore();
    }
  });

  it('refuses forged, expired, alg:none, other-algorithm and incomplete access tokens with 401', async () => {
    const s = await registerAndLogin(t);
    const claims = claimsOf(s.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const bad = [
      'garbage',
      `${s.accessToken}x`,
      jwt({ alg: 'HS256', typ: 'JWT' }, claims, 'a-different-secret-0123456789'),
      jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 1000, exp: now - 10 }),
      `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      jwt({ alg: 'HS512', typ: 'JWT' }, claims), // a valid HS512 signature with our key: only HS256 is allowed
      jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, sid: undefined }),
      jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, sub: 'not-a-uuid' }),
      jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, sid: randomUUID(), exp: 'soon' }),
      jwt({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now + 3600 }),
    ];
    for (const [i, token] of bad.entries()) {
      const res = await t.http().get('/auth/me').set('Authorization', `Bearer ${token}`);
      expect([i, res.status]).toEqual([i, 401]);
      expectErrorShape(res.body, 401);
    }
    const malformed = ['', 'Bearer', 'Bearer ', 'Basic abc', `bearer  ${s.accessToken}`, `Bearer ${s.accessToken} x`, `Bearer ${s.accessToken}.x`, `Bearer\t${s.accessToken}`, `Token ${s.accessToken}`, s.accessToken];
    for (const [i, header] of malformed.entries()) {
      const res = await t.http().get('/auth/me').set('Authorization', header);
      expect([i, res.status]).toEqual([i, 401]);
      expectErrorShape(res.body, 401);
    }
    // The scheme is case-insensitive (RFC 9110 §11.1).
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      await t.http().get('/auth/me').set('Authorization', `${scheme} ${s.accessToken}`).expect(200, { id: s.userId, email: s.email, emailVerified: false, mfaEnabled: false });
    }
  });

  it('writes no iss or aud into access tokens unless configured', async () => {
    const s = await registerAndLogin(t);
    const claims = claimsOf(s.accessToken);
    expect(Object.keys(claims).sort()).toEqual(['exp', 'iat', 'jti', 'sid', 'sub']);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await t.http().get('/auth/nope').expect(404);
    expectErrorShape(res.body, 404);
  });
});

describe('access tokens with JWT_ISSUER and JWT_AUDIENCE set', () => {
  const ISSUER = 'https://auth.example.test';
  const AUDIENCE = 'orders-api';
  let t: TestApp;
  let unconfigured: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ auth: { jwtIssuer: ISSUER, jwtAudience: AUDIENCE } });
    unconfigured = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    await unconfigured.close();
  });

  it('writes both claims, and accepts the tokens it issues, also after a refresh', async () => {
    const s = await registerAndLogin(t);
    const claims = claimsOf(s.accessToken);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: s.userId });
    await t.http().get('/auth/me').set('Authorization', `Bearer ${s.accessToken}`).expect(200);
    const refreshed = await refreshBody(t, s.refreshToken).expect(200);
    await t.http().get('/auth/me').set('Authorization', `Bearer ${refreshed.body.accessToken}`).expect(200);
  });

  it('refuses, with 401, tokens signed with the same secret for another audience or issuer, or without either claim', async () => {
    const s = await registerAndLogin(t);
    const claims = claimsOf(s.accessToken);
    const header = { alg: 'HS256', typ: 'JWT' };
    const bad = [
      jwt(header, { ...claims, aud: 'billing-api' }),
      jwt(header, { ...claims, aud: undefined }),
      jwt(header, { ...claims, iss: 'https://other-issuer.example.test' }),
      jwt(header, { ...claims, iss: undefined }),
      // What the same secret signs without the settings: a token of the service next door.
      (await registerAndLogin(unconfigured)).accessToken,
    ];
    for (const [i, token] of bad.entries()) {
      const res = await t.http().get('/auth/me').set('Authorization', `Bearer ${token}`);
      expect([i, res.status]).toEqual([i, 401]);
      expectErrorShape(res.body, 401);
    }
    // The control: the same claims, re-signed unchanged, pass.
    await t.http().get('/auth/me').set('Authorization', `Bearer ${jwt(header, claims)}`).expect(200);
  });
});

// The auth endpoints validate their own bodies (@ValidatedBody(), a custom parameter): a host
// monolith's global ValidationPipe, strict as many set it, neither strips their fields nor
// refuses them, and their 400s stay theirs.
describe.each([
  ['whitelist, forbidNonWhitelisted, transform', { whitelist: true, forbidNonWhitelisted: true, transform: true }],
  ['whitelist, validateCustomDecorators', { whitelist: true, validateCustomDecorators: true }],
])('in a host app with its own global ValidationPipe (%s)', (_name, options) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ hostPipes: [new ValidationPipe(options)] });
  });
  afterAll(() => t.close());

  it('registers, signs in and refreshes as without it', async () => {
    const session = await registerAndLogin(t);
    await refreshBody(t, session.refreshToken).expect(200);
  });

  it('answers bad bodies with the endpoint own messages, and drops unknown fields', async () => {
    const res = await t.http().post('/auth/register').send({ email: 'not-an-email', password: PASSWORD }).expect(400);
    expect(res.body.message).toBe('email must be a valid email address');
    const missing = await t.http().post('/auth/login').send({}).expect(400);
    expect(missing.body.message).toBe('email is required; password is required');
    await t.http().post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD, role: 'admin' }).expect(201);
  });
});
