import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { connect } from 'node:net';
import { createTestApp, PASSWORD, registerAndLogin, Session, TestApp, uniqueEmail } from '../support/test-app';

/**
 * Property-based fuzzing of every endpoint of the contract with random bodies, content types,
 * headers, cookies and bearer tokens. Property: never a 5xx, always the error shape for 4xx,
 * never a stack trace, SQL or token in a response. FUZZ_RUNS scales it (default 1500 requests
 * across all endpoints + 1000 forged JWTs).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);
jest.setTimeout(Math.max(120_000, RUNS * 200));

const ENDPOINTS: Array<{ method: 'get' | 'post' | 'delete'; path: string }> = [
  { method: 'post', path: '/auth/register' },
  { method: 'post', path: '/auth/login' },
  { method: 'post', path: '/auth/refresh' },
  { method: 'post', path: '/auth/logout' },
  { method: 'post', path: '/auth/logout-all' },
  { method: 'get', path: '/auth/me' },
  { method: 'get', path: '/auth/sessions' },
  { method: 'delete', path: '/auth/sessions/:id' },
  { method: 'post', path: '/auth/password/forgot' },
  { method: 'post', path: '/auth/password/reset' },
  { method: 'post', path: '/auth/password/change' },
  { method: 'post', path: '/auth/email/verify' },
  { method: 'post', path: '/auth/email/resend' },
  { method: 'post', path: '/auth/mfa/verify' },
  { method: 'post', path: '/auth/mfa/totp' },
  { method: 'post', path: '/auth/mfa/totp/confirm' },
  { method: 'post', path: '/auth/mfa/totp/disable' },
  { method: 'post', path: '/auth/mfa/recovery-codes' },
  { method: 'get', path: '/health' },
];

/** Printable ASCII: what an HTTP client can put in a header at all. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 });
const unicode = fc.string({ unit: 'binary', maxLength: 200 });
const hugeString = fc.integer({ min: 2000, max: 20000 }).map((n) => 'x'.repeat(n));
const anyValue = fc.oneof(
  unicode,
  fc.emailAddress(),
  hugeString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(unicode, { maxLength: 5 }),
  fc.dictionary(unicode, unicode, { maxKeys: 4 }),
  fc.constantFrom('__proto__', 'constructor', '{"$gt":""}', "' OR 1=1 --", '<script>alert(1)</script>', '\u0000', '%00'),
);
const FIELDS = ['email', 'password', 'refreshToken', 'token', 'currentPassword', 'newPassword', '__proto__', 'constructor'];
const contractBody = fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 6 }).map((o) => JSON.stringify(o));
const duplicateKeys = fc
  .tuple(fc.constantFrom(...FIELDS), anyValue, anyValue)
  .map(([k, a, b]) => `{${JSON.stringify(k)}:${JSON.stringify(a)},${JSON.stringify(k)}:${JSON.stringify(b)}}`);
const rawBody = fc.oneof(
  contractBody,
  contractBody,
  duplicateKeys,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  unicode,
  hugeString.map((s) => JSON.stringify({ email: s, password: s })),
  fc.constantFrom('', '{', '{"email":', 'null', '[]', '"string"', '1e309', '{"a":' + '['.repeat(5000)),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'multipart/form-data; boundary=x',
);

describe('fuzzing every endpoint', () => {
  let t: TestApp;
  let session: Session;
  const secret = process.env.JWT_ACCESS_SECRET!;
  beforeAll(async () => {
    // Its own Redis prefix: the fuzzer's failed logins must not use up the per-IP budget
    // (127.0.0.1) of the test files running beside it.
    t = await createTestApp({ redis: { keyPrefix: `${process.env.REDIS_KEY_PREFIX}fuzz:` } });
    session = await registerAndLogin(t);
  });
  afterAll(() => t.close());

  /** Access tokens an attacker could craft, from the real one. */
  const forgedJwt = () => {
    const claims = JSON.parse(Buffer.from(session.accessToken.split('.')[1], 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    const [header, payload] = session.accessToken.split('.');
    return fc.oneof(
      fc.constant(session.accessToken.slice(0, -2) + (session.accessToken.endsWith('AA') ? 'BB' : 'AA')), // bad signature
      fc.constant(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`),
      fc.constant(jwt.sign(claims, secret, { algorithm: 'HS512', noTimestamp: true })),
      fc.constant(jwt.sign({ ...claims, exp: now - 60 }, secret, { noTimestamp: true })),
      fc.constant(jwt.sign({ ...claims, iat: now + 3600, exp: now + 7200 }, secret, { noTimestamp: true })),
      fc.subarray(['sub', 'sid', 'jti', 'iat', 'exp']).map((drop) => {
        const partial = { ...claims };
        for (const key of drop) delete partial[key];
        return jwt.sign(partial, secret, { noTimestamp: true });
      }),
      fc.record({ sub: anyValue, sid: anyValue, jti: anyValue }).map((c) => jwt.sign({ ...c, iat: now, exp: now + 60 }, secret, { noTimestamp: true })),
      fc.record({ sub: anyValue, sid: anyValue }).map((c) => jwt.sign({ ...c, exp: now + 60 }, 'not-the-secret-0123456789abcdef')),
      headerText.map((junk) => `${header}.${junk}`),
      headerText,
    );
  };

  /** DPoP proofs an attacker could send: JWS-shaped, a header with any `alg` and any `jwk`, junk claims and signature. */
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
  const dpopShaped = fc
    .tuple(
      fc.record({ typ: fc.constantFrom('dpop+jwt', 'JWT'), alg: fc.constantFrom('ES256', 'EdDSA', 'none', 'HS256', 'RS256'), jwk: anyValue }),
      fc.dictionary(fc.constantFrom('htm', 'htu', 'iat', 'jti', 'ath', 'nonce'), anyValue),
      headerText.filter((sig) => /^[A-Za-z0-9_-]*$/.test(sig)),
    )
    .map(([header, claims, signature]) => `${b64(header)}.${b64(claims)}.${signature}`);

  function expectSafeResponse(res: { status: number; text: string; body: any }) {
    expect(res.status).toBeLessThan(500);
    if (res.status >= 400) {
      expect(res.body).toEqual({ statusCode: res.status, error: expect.any(String), message: expect.any(String) });
    }
    expect(res.text).not.toMatch(/\bat .+\(.+:\d+:\d+\)|SELECT |INSERT |UPDATE |DELETE FROM|prisma|node_modules/i);
    expect(res.text).not.toContain(session.refreshToken);
    if (res.status >= 400) expect(res.text).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT echoed in an error
  }

  it('never answers 5xx, always the error shape, never leaks (random bodies, headers, cookies, bearers)', async () => {
    const request = fc.record(
      {
        endpoint: fc.constantFrom(...ENDPOINTS),
        sessionId: fc.oneof(fc.uuid(), unicode.filter((s) => s.length > 0)),
        contentType,
        body: rawBody,
        bearer: fc.oneof(forgedJwt(), fc.constant(session.accessToken)),
        authScheme: fc.constantFrom('Bearer ', 'bearer ', 'Basic ', '', 'Bearer  ', 'DPoP ', 'dpop '),
        dpop: fc.oneof(headerText, dpopShaped),
        cookie: headerText,
        transport: fc.constantFrom('body', 'BODY', 'cookie', '', 'b\u00f6dy'.normalize('NFKD').replace(/[^\x20-\x7e]/g, '')),
        origin: fc.oneof(fc.constant('http://localhost:5173'), fc.webUrl(), headerText),
        extra: fc.dictionary(
          fc.stringMatching(/^x-[a-z]{1,10}$/),
          headerText,
          { maxKeys: 3 },
        ),
      },
      { requiredKeys: ['endpoint', 'contentType', 'body'] },
    );
    const counts = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const path = r.endpoint.path.replace(':id', encodeURIComponent(r.sessionId ?? 'x'));
        let req = t.http()[r.endpoint.method](path).set('Content-Type', r.contentType);
        if (r.bearer !== undefined) req = req.set('Authorization', `${r.authScheme ?? 'Bearer '}${r.bearer}`);
        if (r.cookie !== undefined) req = req.set('Cookie', `refresh_token=${r.cookie}`);
        if (r.transport !== undefined) req = req.set('X-Token-Transport', r.transport);
        if (r.origin !== undefined) req = req.set('Origin', r.origin);
        if (r.dpop !== undefined) req = req.set('DPoP', r.dpop);
        for (const [name, value] of Object.entries(r.extra ?? {})) req = req.set(name, value);
        const res = await (r.endpoint.method === 'get' ? req : req.send(r.body));
        counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
        expectSafeResponse(res);
      }),
      { numRuns: RUNS },
    );
    // The fuzzer reached past validation too, not only into 400s.
    expect([...counts.keys()]).toEqual(expect.arrayContaining([200, 400, 401, 413]));
  });

  it('refuses every forged access token with 401 on a guarded route', async () => {
    const fresh = await registerAndLogin(t); // the first test may have logged the seeded user out
    const forged = forgedJwt().filter((token) => token !== session.accessToken && token !== fresh.accessToken);
    await fc.assert(
      fc.asyncProperty(forged, async (token) => {
        const res = await t.http().get('/auth/me').set('Authorization', `Bearer ${token}`);
        // 431: a forged token so large that the headers overflow Node's 16 KiB limit.
        expect([401, 431]).toContain(res.status);
        expectSafeResponse(res);
      }),
      { numRuns: Math.round(RUNS * 0.67) },
    );
  });

  it('refuses strings Postgres cannot store (NUL, lone surrogates) in every field of every endpoint: 400, or 401 for tokens', async () => {
    const fresh = await registerAndLogin(t);
    const token = 'A'.repeat(43);
    /** Near-valid requests: a correct body for the endpoint, then one field poisoned. */
    const templates: Array<{ method: 'post' | 'delete'; path: string; body?: Record<string, string>; bearer?: boolean; expected: number }> = [
      { method: 'post', path: '/auth/register', body: { email: uniqueEmail(), password: PASSWORD }, expected: 400 },
      { method: 'post', path: '/auth/login', body: { email: fresh.email, password: PASSWORD }, expected: 400 },
      { method: 'post', path: '/auth/password/forgot', body: { email: fresh.email }, expected: 400 },
      { method: 'post', path: '/auth/password/reset', body: { token, password: PASSWORD }, expected: 400 },
      { method: 'post', path: '/auth/password/change', body: { currentPassword: PASSWORD, newPassword: `${PASSWORD}!` }, bearer: true, expected: 400 },
      // The contract answers every unusable refresh token with 401.
      { method: 'post', path: '/auth/refresh', body: { refreshToken: fresh.refreshToken }, expected: 401 },
      { method: 'post', path: '/auth/logout', body: { refreshToken: fresh.refreshToken }, expected: 401 },
      { method: 'delete', path: `/auth/sessions/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, bearer: true, expected: 400 },
      { method: 'post', path: '/auth/email/verify', body: { token }, expected: 400 },
      { method: 'post', path: '/auth/email/resend', body: { email: fresh.email }, expected: 400 },
      { method: 'post', path: '/auth/mfa/verify', body: { ticket: token, recoveryCode: 'ABCDE-FGHJK' }, expected: 400 },
      { method: 'post', path: '/auth/mfa/totp/disable', body: { password: PASSWORD, recoveryCode: 'ABCDE-FGHJK' }, bearer: true, expected: 400 },
    ];
    const unstorable = fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff\u0000', '\u0000\u0000', 'x\udc00');
    const poisoned = fc
      .tuple(fc.constantFrom(...templates), fc.nat(), fc.nat(), unstorable, fc.string({ unit: 'grapheme', maxLength: 5 }))
      .map(([template, fieldPick, at, bad, noise]) => {
        if (!template.body) {
          const idStart = template.path.lastIndexOf('/') + 1;
          const cut = idStart + (at % (template.path.length - idStart + 1));
          // In a URL the same characters travel as UTF-8 bytes: NUL, and a surrogate's bytes (CESU-8).
          const bytes = bad.replace(/[\s\S]/g, (c) => (c === '\u0000' ? '%00' : c === 'x' ? 'x' : `%ED%${(0xa0 + ((c.charCodeAt(0) >> 6) & 0x1f)).toString(16).toUpperCase()}%80`));
          return { template, body: undefined, path: template.path.slice(0, cut) + bytes + encodeURIComponent(noise) + template.path.slice(cut) };
        }
        const fields = Object.keys(template.body);
        const field = fields[fieldPick % fields.length];
        const value = template.body[field];
        const cut = at % (value.length + 1);
        return { template, path: template.path, body: { ...template.body, [field]: value.slice(0, cut) + bad + noise + value.slice(cut) } };
      });
    // The session route with a poisoned id in its path.
    templates.push({ method: 'delete', path: '/auth/sessions/x', bearer: true, expected: 400 });
    await fc.assert(
      fc.asyncProperty(poisoned, async ({ template, path, body }) => {
        let req = t.http()[template.method](path).set('X-Token-Transport', 'body');
        if (template.bearer) req = req.set('Authorization', `Bearer ${fresh.accessToken}`);
        const res = await (body ? req.send(body) : req);
        expect([template.path, res.status]).toEqual([template.path, template.expected]);
        expectSafeResponse(res);
      }),
      { numRuns: RUNS },
    );
    // Nothing went through: the password and the session are as they were.
    await t.http().post('/auth/login').send({ email: fresh.email, password: PASSWORD }).expect(200);
    await t.http().get('/auth/me').set('Authorization', `Bearer ${fresh.accessToken}`).expect(200);
  });

  it('stores any User-Agent a client can send, and Node refuses a NUL in a header before any route', async () => {
    const latin1 = await t.http().post('/auth/login').set('User-Agent', 'Agent \u00e9\u00ff\u0080 1.0').send({ email: session.email, password: PASSWORD });
    expect([200, 401]).toContain(latin1.status);
    const server = t.app.getHttpServer();
    if (!server.address()) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const socket = connect(server.address().port, '127.0.0.1');
    socket.end(`GET /auth/me HTTP/1.1\r\nHost: x\r\nUser-Agent: a\u0000b\r\n\r\n`, 'latin1');
    let raw = '';
    for await (const chunk of socket.setEncoding('latin1')) raw += chunk;
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ statusCode: 400 });
  });
});
