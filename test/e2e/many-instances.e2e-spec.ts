import { AppProcess, startAppProcess } from '../support/app-process';
import { DpopKey, jwtClaims } from '../support/dpop';
import { createTestApp, PASSWORD, sleep, TestApp, uniqueEmail } from '../support/test-app';

const BODY = { 'Content-Type': 'application/json', 'X-Token-Transport': 'body' };
const GRACE_SECONDS = 1;
/** The URL clients call, as behind one load balancer: every instance checks DPoP proofs against it. */
const PUBLIC_ORIGIN = 'https://api.example.test';

/**
 * Three instances of the production build (child processes on their own ports) sharing one
 * Postgres and one Redis, as behind a load balancer.
 */
describe('many instances behind one database and one Redis', () => {
  let instances: AppProcess[];
  let t: TestApp; // only to look into the database
  beforeAll(async () => {
    instances = await Promise.all(
      [1, 2, 3].map(() => startAppProcess({ REFRESH_TOKEN_REUSE_GRACE: String(GRACE_SECONDS), LOG_LEVEL: 'warn', PUBLIC_ORIGIN })),
    );
    t = await createTestApp();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await t.close();
  });

  const post = (instance: AppProcess, path: string, body: unknown, headers: Record<string, string> = BODY) =>
    fetch(`${instance.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const me = (instance: AppProcess, accessToken: string) =>
    fetch(`${instance.baseUrl}/auth/me`, { headers: { Authorization: `Bearer ${accessToken}` } });

  async function loginOn(instance: AppProcess) {
    const email = uniqueEmail();
    expect((await post(instance, '/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const res = await post(instance, '/auth/login', { email, password: PASSWORD });
    return { email, ...((await res.json()) as { accessToken: string; refreshToken: string }) };
  }

  it('one refresh token sent to every instance at once → exactly one successor', async () => {
    const session = await loginOn(instances[0]);
    // 8 requests per instance, all at the same moment, all with the same token.
    const responses = await Promise.all(
      instances.flatMap((i) => Array.from({ length: 8 }, () => post(i, '/auth/refresh', { refreshToken: session.refreshToken }))),
    );
    const bodies: any[] = await Promise.all(responses.map((r) => r.json()));
    expect(responses.map((r) => r.status)).toEqual(Array(24).fill(200));
    expect(new Set(bodies.map((b) => b.refreshToken)).size).toBe(1); // the grace rule hands out the one successor
    const rows = await t.prisma.$queryRaw<{ total: bigint; live: bigint }[]>`
      SELECT count(*) AS total, count(*) FILTER (WHERE NOT revoked) AS live
      FROM refresh_tokens WHERE session_id = (SELECT session_id FROM refresh_tokens WHERE replaced_by IS NOT NULL
        AND user_id = (SELECT id FROM users WHERE email = ${session.email}) LIMIT 1)`;
    expect(rows[0]).toEqual({ total: 2n, live: 1n });
  });

  it('reuse detected on one instance ends access on the others at once', async () => {
    const victim = await loginOn(instances[0]);
    const rotated: any = await (await post(instances[1], '/auth/refresh', { refreshToken: victim.refreshToken })).json();
    for (const i of instances) expect((await me(i, rotated.accessToken)).status).toBe(200);
    await sleep(GRACE_SECONDS * 1000 + 200);
    expect((await post(instances[2], '/auth/refresh', { refreshToken: victim.refreshToken })).status).toBe(401); // theft
    // No wait: the very next request on every instance is refused.
    const after = await Promise.all(instances.map((i) => me(i, rotated.accessToken)));
    expect(after.map((r) => r.status)).toEqual([401, 401, 401]);
    expect((await post(instances[0], '/auth/refresh', { refreshToken: rotated.refreshToken })).status).toBe(401);
  });

  it('logout on one instance ends the session on all of them', async () => {
    const s = await loginOn(instances[1]);
    expect((await post(instances[2], '/auth/logout', { refreshToken: s.refreshToken })).status).toBe(204);
    const after = await Promise.all(instances.map((i) => me(i, s.accessToken)));
    expect(after.map((r) => r.status)).toEqual([401, 401, 401]);
  });

  it('shares brute-force counters: the limit holds across instances', async () => {
    const s = await loginOn(instances[0]);
    // Default LOGIN_MAX_FAILURES_PER_ACCOUNT = 10, spread over three instances.
    const statuses: number[] = [];
    for (let n = 0; n < 12; n++) {
      statuses.push((await post(instances[n % 3], '/auth/login', { email: s.email, password: 'wrong password!' })).status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  describe('DPoP-bound sessions', () => {
    const proofFor = (key: DpopKey, method: string, path: string, accessToken?: string) =>
      key.proof(method, `${PUBLIC_ORIGIN}${path}`, { accessToken });
    const refresh = async (instance: AppProcess, key: DpopKey, refreshToken: string, proof?: string) =>
      post(instance, '/auth/refresh', { refreshToken }, { ...BODY, DPoP: proof ?? (await proofFor(key, 'POST', '/auth/refresh')) });
    const meBound = async (instance: AppProcess, key: DpopKey, accessToken: string) =>
      fetch(`${instance.baseUrl}/auth/me`, {
        headers: { Authorization: `DPoP ${accessToken}`, DPoP: await proofFor(key, 'GET', '/auth/me', accessToken) },
      });

    async function boundLoginOn(instance: AppProcess, key: DpopKey) {
      const email = uniqueEmail();
      expect((await post(instance, '/auth/register', { email, password: PASSWORD })).status).toBe(201);
      const res = await post(instance, '/auth/login', { email, password: PASSWORD }, { ...BODY, DPoP: await proofFor(key, 'POST', '/auth/login') });
      expect(res.status).toBe(200);
      return (await res.json()) as { accessToken: string; refreshToken: string; tokenType: string };
    }

    it('one key works on all three instances: login on one, refresh and guarded calls on the others', async () => {
      const key = await DpopKey.generate();
      let pair = await boundLoginOn(instances[0], key);
      expect(pair.tokenType).toBe('DPoP');
      for (const instance of [instances[1], instances[2], instances[0], instances[1]]) {
        const res = await refresh(instance, key, pair.refreshToken);
        expect(res.status).toBe(200);
        pair = await res.json();
        expect(jwtClaims(pair.accessToken).cnf).toEqual({ jkt: key.thumbprint });
        const checks = await Promise.all(instances.map((i) => meBound(i, key, pair.accessToken)));
        expect(checks.map((r) => r.status)).toEqual([200, 200, 200]);
      }
      // A thief with the token but not the key gets nowhere on any instance, and the owner goes on.
      const thief = await DpopKey.generate();
      const stolen = await Promise.all(instances.map((i) => refresh(i, thief, pair.refreshToken)));
      expect(stolen.map((r) => r.status)).toEqual([401, 401, 401]);
      expect((await refresh(instances[2], key, pair.refreshToken)).status).toBe(200);
    });

    it('a proof accepted by one instance is refused by another (jti shared in Redis)', async () => {
      const key = await DpopKey.generate();
      const pair = await boundLoginOn(instances[0], key);
      const proof = await proofFor(key, 'POST', '/auth/refresh');
      const first = await refresh(instances[1], key, pair.refreshToken, proof);
      expect(first.status).toBe(200);
      const next = (await first.json()) as { refreshToken: string };
      const replayed = await refresh(instances[2], key, next.refreshToken, proof);
      expect(replayed.status).toBe(401);
      expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
      expect((await replayed.json()).message).toMatch(/already used/);
      // The same proof sent to two instances at the same moment: exactly one of them accepts it.
      const racing = await proofFor(key, 'GET', '/auth/me', (next as any).accessToken);
      const both = await Promise.all(
        [instances[0], instances[1]].map((i) =>
          fetch(`${i.baseUrl}/auth/me`, { headers: { Authorization: `DPoP ${(next as any).accessToken}`, DPoP: racing } }),
        ),
      );
      expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    });
  });
});
