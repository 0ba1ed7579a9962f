import { SignJWT, UnsecuredJWT } from 'jose';
import { createTestApp, expectErrorShape, me, PASSWORD, register, sleep, TestApp, uniqueEmail } from '../support/test-app';
import { DpopKey, dpopError, jwtClaims } from '../support/dpop';

const ORIGIN = 'https://api.example.test';
const BODY = { 'X-Token-Transport': 'body' };
const GRACE_SECONDS = 1;
const MAX_AGE = 30;

/**
 * DPoP (RFC 9449) against the real app, Postgres and Redis. PUBLIC_ORIGIN pins the URL proofs
 * must name (supertest listens on a new port per request); the htu-from-Host case has its own app.
 */
describe('DPoP: sessions bound to a client key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      auth: { reuseGrace: GRACE_SECONDS },
      dpop: { publicOrigin: ORIGIN, proofMaxAgeSeconds: MAX_AGE },
    });
  });
  afterAll(() => t.close());

  const proofFor = (key: DpopKey, path: string, method = 'POST', options = {}) => key.proof(method, `${ORIGIN}${path}`, options);

  async function boundLogin(key: DpopKey, email?: string) {
    email ??= (await register(t)).email;
    const res = await t.http().post('/auth/login').set(BODY).set('DPoP', await proofFor(key, '/auth/login')).send({ email, password: PASSWORD });
    expect(res.status).toBe(200);
    return { email, accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string, body: res.body };
  }

  const refresh = async (refreshToken: string, proof?: string) => {
    const req = t.http().post('/auth/refresh').set(BODY);
    if (proof !== undefined) req.set('DPoP', proof);
    return req.send({ refreshToken });
  };
  const refreshWith = async (key: DpopKey, refreshToken: string) => refresh(refreshToken, await proofFor(key, '/auth/refresh'));
  const guarded = async (accessToken: string, proof?: string, scheme = 'DPoP') => {
    const req = t.http().get('/auth/me').set('Authorization', `${scheme} ${accessToken}`);
    if (proof !== undefined) req.set('DPoP', proof);
    return req;
  };
  const meWith = async (key: DpopKey, accessToken: string) =>
    guarded(accessToken, await proofFor(key, '/auth/me', 'GET', { accessToken }));

  function expectDpopRefusal(res: { status: number; body: unknown; headers: Record<string, string> }, code = 'invalid_dpop_proof') {
    expect(res.status).toBe(401);
    expectErrorShape(res.body, 401);
    expect(dpopError(res.headers['www-authenticate'])).toBe(code);
  }

  const sessionRow = async (accessToken: string) =>
    (await t.prisma.$queryRaw<{ dpop_jkt: string | null; revoked_at: Date | null }[]>`
      SELECT dpop_jkt, revoked_at FROM sessions WHERE id = ${jwtClaims(accessToken).sid}::uuid`)[0];

  describe('binding at login', () => {
    it('a login with a proof binds the session: tokenType DPoP, cnf.jkt in the access token, the thumbprint on the session', async () => {
      const key = await DpopKey.generate();
      const session = await boundLogin(key);
      expect(session.body.tokenType).toBe('DPoP');
      expect(jwtClaims(session.accessToken).cnf).toEqual({ jkt: key.thumbprint });
      expect((await sessionRow(session.accessToken)).dpop_jkt).toBe(key.thumbprint);
    });

    it('an Ed25519 key binds too', async () => {
      const key = await DpopKey.generate('EdDSA');
      const session = await boundLogin(key);
      expect(jwtClaims(session.accessToken).cnf).toEqual({ jkt: key.thumbprint });
      expect((await refreshWith(key, session.refreshToken)).status).toBe(200);
    });

    it('a cookie login with a proof binds the cookie session as well', async () => {
      const key = await DpopKey.generate();
      const { email } = await register(t);
      const login = await t.http().post('/auth/login').set('DPoP', await proofFor(key, '/auth/login')).send({ email, password: PASSWORD }).expect(200);
      const cookie = login.headers['set-cookie'];
      expect(login.body.tokenType).toBe('DPoP');
      expectDpopRefusal(await t.http().post('/auth/refresh').set('Cookie', cookie));
      const ok = await t.http().post('/auth/refresh').set('Cookie', cookie).set('DPoP', await proofFor(key, '/auth/refresh'));
      expect(ok.status).toBe(200);
      expect(ok.body.tokenType).toBe('DPoP');
    });

    it('without a proof nothing changes: Bearer tokens, unbound session, no cnf', async () => {
      const { email } = await register(t);
      const res = await t.http().post('/auth/login').set(BODY).send({ email, password: PASSWORD }).expect(200);
      expect(res.body.tokenType).toBe('Bearer');
      expect(jwtClaims(res.body.accessToken).cnf).toBeUndefined();
      expect((await refresh(res.body.refreshToken)).status).toBe(200);
      expect((await me(t, res.body.accessToken)).status).toBe(200);
    });

    it('a proof sent with an unbound session neither binds it nor is required later', async () => {
      const key = await DpopKey.generate();
      const { email } = await register(t);
      const login = await t.http().post('/auth/login').set(BODY).send({ email, password: PASSWORD }).expect(200);
      const withProof = await refreshWith(key, login.body.refreshToken);
      expect(withProof.status).toBe(200);
      expect(withProof.body.tokenType).toBe('Bearer');
      expect((await refresh(withProof.body.refreshToken)).status).toBe(200);
    });

    it('an invalid proof at login → 401 before any password check, no session', async () => {
      const key = await DpopKey.generate();
      const { email } = await register(t);
      const res = await t.http().post('/auth/login').set(BODY)
        .set('DPoP', await proofFor(key, '/auth/refresh')) // names another URL
        .send({ email, password: PASSWORD });
      expectDpopRefusal(res);
      const sessions = await t.prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ${email})`;
      expect(sessions[0].n).toBe(0n);
    });
  });

  describe('a bound session needs a proof of its key', () => {
    it('refresh with a proof → a new bound pair; the old token is retired', async () => {
      const key = await DpopKey.generate();
      const session = await boundLogin(key);
      const res = await refreshWith(key, session.refreshToken);
      expect(res.status).toBe(200);
      expect(res.body.tokenType).toBe('DPoP');
      expect(jwtClaims(res.body.accessToken).cnf).toEqual({ jkt: key.thumbprint });
      expect(res.body.refreshToken).not.toBe(session.refreshToken);
    });

    it('a stolen refresh token without the key → 401 with the DPoP challenge; nothing rotates, the owner goes on', async () => {
      const owner = await DpopKey.generate();
      const thief = await DpopKey.generate();
      const session = await boundLogin(owner);
      const before = t.logs.lines.length;
      expectDpopRefusal(await refresh(session.refreshToken)); // no proof at all
      expectDpopRefusal(await refreshWith(thief, session.refreshToken)); // the thief's own key
      const rows = await t.prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM refresh_tokens WHERE session_id = ${jwtClaims(session.accessToken).sid}::uuid`;
      expect(rows[0].n).toBe(1n); // no successor was created
      const events = t.logs.records().slice(before).filter((r) => r.event === 'dpop_proof_rejected');
      expect(events.map((e) => e.reason)).toEqual(['missing', 'wrong_key']);
      expect(events[1]).toMatchObject({ sessionId: jwtClaims(session.accessToken).sid });
      expect(JSON.stringify(events)).not.toContain(session.refreshToken);
      // The owner's chain continues with the very token the thief tried.
      const next = await refreshWith(owner, session.refreshToken);
      expect(next.status).toBe(200);
      expect((await meWith(owner, next.body.accessToken)).status).toBe(200);
      const metrics = await t.http().get('/metrics');
      expect(metrics.text).toMatch(/auth_dpop_proofs_rejected_total\{reason="wrong_key"\} [1-9]/);
    });

    it('a retired token replayed without the key after the grace window → 401, and no reuse revocation', async () => {
      const owner = await DpopKey.generate();
      const session = await boundLogin(owner);
      const rotated = await refreshWith(owner, session.refreshToken);
      await sleep(GRACE_SECONDS * 1000 + 200);
      const thief = await DpopKey.generate();
      expectDpopRefusal(await refreshWith(thief, session.refreshToken));
      expectDpopRefusal(await refresh(session.refreshToken));
      expect((await sessionRow(session.accessToken)).revoked_at).toBeNull();
      expect((await meWith(owner, rotated.body.accessToken)).status).toBe(200);
      expect((await refreshWith(owner, rotated.body.refreshToken)).status).toBe(200);
    });

    it('the owner presenting a retired token with the key past the window is still reuse: the sessions end', async () => {
      const owner = await DpopKey.generate();
      const session = await boundLogin(owner);
      const rotated = await refreshWith(owner, session.refreshToken);
      await sleep(GRACE_SECONDS * 1000 + 200);
      const replay = await refreshWith(owner, session.refreshToken);
      expect(replay.status).toBe(401);
      expect(replay.headers['www-authenticate']).toBeUndefined();
      expect((await meWith(owner, rotated.body.accessToken)).status).toBe(401);
    });

    it('concurrent refreshes of one bound token (two tabs), each with its own proof → one successor for all', async () => {
      const key = await DpopKey.generate();
      const session = await boundLogin(key);
      const proofs = await Promise.all(Array.from({ length: 8 }, () => proofFor(key, '/auth/refresh')));
      const thiefProofs = await Promise.all(Array.from({ length: 4 }, async () => proofFor(await DpopKey.generate(), '/auth/refresh')));
      const results = await Promise.all([...proofs, ...thiefProofs].map((p) => refresh(session.refreshToken, p)));
      expect(results.slice(0, 8).map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(new Set(results.slice(0, 8).map((r) => r.body.refreshToken)).size).toBe(1);
      for (const r of results.slice(8)) expectDpopRefusal(r);
      const rows = await t.prisma.$queryRaw<{ total: bigint; live: bigint }[]>`
        SELECT count(*) AS total, count(*) FILTER (WHERE NOT revoked) AS live
          FROM refresh_tokens WHERE session_id = ${jwtClaims(session.accessToken).sid}::uuid`;
      expect(rows[0]).toEqual({ total: 2n, live: 1n });
    });

    it('logout without the key → 401 and the session stays; with it → 204 and the session ends', async () => {
      const key = await DpopKey.generate();
      const session = await boundLogin(key);
      const thief = await DpopKey.generate();
      expectDpopRefusal(await t.http().post('/auth/logout').set(BODY).send({ refreshToken: session.refreshToken }));
      expectDpopRefusal(
        await t.http().post('/auth/logout').set(BODY).set('DPoP', await proofFor(thief, '/auth/logout')).send({ refreshToken: session.refreshToken }),
      );
      expect((await meWith(key, session.accessToken)).status).toBe(200);
      await t.http().post('/auth/logout').set(BODY).set('DPoP', await proofFor(key, '/auth/logout')).send({ refreshToken: session.refreshToken }).expect(204);
      expect((await meWith(key, session.accessToken)).status).toBe(401);
      expect((await sessionRow(session.accessToken)).revoked_at).not.toBeNull();
    });
  });

  describe('guarded routes', () => {
    it('a bound access token works only as DPoP with a proof of its key carrying ath', async () => {
      const key = await DpopKey.generate();
      const { accessToken } = await boundLogin(key);
      expect((await meWith(key, accessToken)).status).toBe(200);
      expectDpopRefusal(await guarded(accessToken, undefined, 'Bearer'), 'invalid_token');
      expectDpopRefusal(await guarded(accessToken, await proofFor(key, '/auth/me', 'GET', { accessToken }), 'Bearer'), 'invalid_token');
      expectDpopRefusal(await guarded(accessToken)); // no proof
      expectDpopRefusal(await guarded(accessToken, await proofFor(key, '/auth/me', 'GET'))); // no ath
      expectDpopRefusal(await guarded(accessToken, await proofFor(key, '/auth/me', 'GET', { accessToken: 'another.token.value' })));
      const thief = await DpopKey.generate();
      expectDpopRefusal(await guarded(accessToken, await proofFor(thief, '/auth/me', 'GET', { accessToken })));
    });

    it('the scheme is case-insensitive; an unbound token is refused under DPoP', async () => {
      const key = await DpopKey.generate();
      const bound = await boundLogin(key);
      expect((await guarded(bound.accessToken, await proofFor(key, '/auth/me', 'GET', { accessToken: bound.accessToken }), 'dpop')).status).toBe(200);
      const { email } = await register(t);
      const plain = await t.http().post('/auth/login').set(BODY).send({ email, password: PASSWORD }).expect(200);
      const token = plain.body.accessToken;
      expectDpopRefusal(await guarded(token, await proofFor(key, '/auth/me', 'GET', { accessToken: token })), 'invalid_token');
      expect((await me(t, token)).status).toBe(200);
    });

    it('every guarded route applies it (sessions list, password change)', async () => {
      const key = await DpopKey.generate();
      const { accessToken } = await boundLogin(key);
      expectDpopRefusal(await t.http().get('/auth/sessions').set('Authorization', `Bearer ${accessToken}`), 'invalid_token');
      const list = await t.http().get('/auth/sessions').set('Authorization', `DPoP ${accessToken}`)
        .set('DPoP', await proofFor(key, '/auth/sessions', 'GET', { accessToken }));
      expect(list.status).toBe(200);
    });
  });

  describe('proof checks (each refused with 401 invalid_dpop_proof; the token stays usable)', () => {
    let key: DpopKey;
    let other: DpopKey;
    let session: { refreshToken: string };
    beforeAll(async () => {
      key = await DpopKey.generate();
      other = await DpopKey.generate();
      session = await boundLogin(key);
    });
    afterEach(async () => {
      // The check refused the proof, so the token was not rotated: it still works with a good one.
      const res = await refreshWith(key, session.refreshToken);
      expect(res.status).toBe(200);
      session = res.body;
    });

    const url = `${ORIGIN}/auth/refresh`;
    const cases: Array<[string, () => Promise<string>]> = [
      ['typ is not dpop+jwt', () => key.proof('POST', url, { header: { typ: 'JWT' } })],
      ['alg none (unsecured)', async () =>
        new UnsecuredJWT({ htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000), jti: 'none-' + Math.random() })
          .setIssuedAt().encode().replace(/^[^.]+/, Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })).toString('base64url'))],
      ['HS256 with a symmetric jwk', async () => {
        const secret = new Uint8Array(32).fill(7);
        return new SignJWT({ htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000), jti: 'hs-' + Math.random() })
          .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } } as any)
          .sign(secret);
      }],
      ['RS256 (only ES256 and EdDSA are accepted)', async () => (await DpopKey.generate('RS256')).proof('POST', url)],
      ['a private key in jwk', async () => key.proof('POST', url, { header: { jwk: await key.exportPrivate() } })],
      ['signed by another key than the jwk names', () => key.proof('POST', url, { signWith: other.privateKey })],
      ['htm is not the method', () => key.proof('GET', url)],
      ['htu is another path', () => key.proof('POST', `${ORIGIN}/auth/logout`)],
      ['htu is another origin', () => key.proof('POST', 'https://evil.example/auth/refresh')],
      ['iat too old', () => key.proof('POST', url, { claims: { iat: Math.floor(Date.now() / 1000) - MAX_AGE - 5 } })],
      ['iat in the future', () => key.proof('POST', url, { claims: { iat: Math.floor(Date.now() / 1000) + MAX_AGE + 5 } })],
      ['no iat', () => key.proof('POST', url, { claims: { iat: undefined } })],
      ['no jti', () => key.proof('POST', url, { claims: { jti: undefined } })],
      ['not a JWT', async () => 'not-a-proof'],
    ];
    it.each(cases)('%s', async (_name, makeProof) => {
      const res = await refresh(session.refreshToken, await makeProof());
      expectDpopRefusal(res);
      // Refused by the proof check itself, not later for naming another key than the session's.
      expect(res.body.message).not.toMatch(/another key/);
    });

    it('a proof used twice (jti replay)', async () => {
      const proof = await proofFor(key, '/auth/refresh');
      const first = await refresh(session.refreshToken, proof);
      expect(first.status).toBe(200);
      session = first.body;
      expectDpopRefusal(await refresh(session.refreshToken, proof));
    });

    it('two DPoP headers', async () => {
      const res = await t.http().post('/auth/refresh').set(BODY)
        // Node sends an array as two header lines.
        .set('DPoP', [await proofFor(key, '/auth/refresh'), await proofFor(key, '/auth/refresh')] as unknown as string)
        .send({ refreshToken: session.refreshToken });
      expectDpopRefusal(res);
      expect(res.body.message).toMatch(/exactly one/);
    });

    it('the htu comparison ignores query, fragment, case of scheme and host and the default port', async () => {
      const res = await refresh(session.refreshToken, await key.proof('POST', 'HTTPS://API.Example.test:443/auth/refresh?x=1#f'));
      expect(res.status).toBe(200);
      session = res.body;
    });
  });
});

describe('DPoP settings', () => {
  it('DPOP_NONCE_REQUIRED: a proof without the server nonce → 401 use_dpop_nonce with DPoP-Nonce; with it → 200', async () => {
    const t = await createTestApp({ dpop: { publicOrigin: ORIGIN, nonceRequired: true } });
    try {
      const key = await DpopKey.generate();
      const { email } = await register(t);
      const login = (proof: string) => t.http().post('/auth/login').set(BODY).set('DPoP', proof).send({ email, password: PASSWORD });
      const first = await login(await key.proof('POST', `${ORIGIN}/auth/login`));
      expect(first.status).toBe(401);
      expect(dpopError(first.headers['www-authenticate'])).toBe('use_dpop_nonce');
      const nonce = first.headers['dpop-nonce'];
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const forged = await login(await key.proof('POST', `${ORIGIN}/auth/login`, { nonce: nonce.slice(0, -2) + (nonce.endsWith('AA') ? 'BB' : 'AA') }));
      expect(dpopError(forged.headers['www-authenticate'])).toBe('use_dpop_nonce');
      const ok = await login(await key.proof('POST', `${ORIGIN}/auth/login`, { nonce }));
      expect(ok.status).toBe(200);
      expect(ok.headers['dpop-nonce']).toEqual(expect.any(String));
      const refreshed = await t.http().post('/auth/refresh').set(BODY)
        .set('DPoP', await key.proof('POST', `${ORIGIN}/auth/refresh`, { nonce: ok.headers['dpop-nonce'] }))
        .send({ refreshToken: ok.body.refreshToken });
      expect(refreshed.status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('DPOP_REQUIRED_FOR_BODY_LOGIN: a body login without a proof → 401; with one → 200; cookie logins unchanged', async () => {
    const t = await createTestApp({ dpop: { publicOrigin: ORIGIN, requiredForBodyLogin: true } });
    try {
      const { email } = await register(t);
      const refused = await t.http().post('/auth/login').set(BODY).send({ email, password: PASSWORD });
      expect(refused.status).toBe(401);
      expect(dpopError(refused.headers['www-authenticate'])).toBe('invalid_dpop_proof');
      const key = await DpopKey.generate();
      const ok = await t.http().post('/auth/login').set(BODY).set('DPoP', await key.proof('POST', `${ORIGIN}/auth/login`)).send({ email, password: PASSWORD });
      expect(ok.status).toBe(200);
      expect(ok.body.tokenType).toBe('DPoP');
      const cookie = await t.http().post('/auth/login').send({ email, password: PASSWORD });
      expect(cookie.status).toBe(200);
      expect(cookie.body.tokenType).toBe('Bearer');
    } finally {
      await t.close();
    }
  });

  it('without PUBLIC_ORIGIN the htu is the URL called; behind a trusted proxy, the forwarded one', async () => {
    for (const trustProxy of [false, true]) {
      const t = await createTestApp({ app: { trustProxy }, dpop: { publicOrigin: null } });
      try {
        await t.app.listen(0, '127.0.0.1');
        const base = await t.app.getUrl();
        const direct = base.replace('[::1]', '127.0.0.1');
        const key = await DpopKey.generate();
        const email = uniqueEmail();
        await fetch(`${direct}/auth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
        const forwarded = { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'auth.example.test' };
        const login = (htu: string) =>
          key.proof('POST', htu).then((proof) =>
            fetch(`${direct}/auth/login`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'X-Token-Transport': 'body', DPoP: proof, ...forwarded },
              body: JSON.stringify({ email, password: PASSWORD }),
            }),
          );
        const viaProxy = await login('https://auth.example.test/auth/login');
        const asCalled = await login(`${direct}/auth/login`);
        // Trusted: only the forwarded URL is right. Not trusted: the headers are ignored.
        expect([viaProxy.status, asCalled.status]).toEqual(trustProxy ? [200, 401] : [401, 200]);
      } finally {
        await t.close();
      }
    }
  });
});
