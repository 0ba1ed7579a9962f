import { createHmac } from 'node:crypto';
import { createTestApp, login, refreshBody, registerAndLogin, TestApp } from '../support/test-app';
import { keysWithPrefix } from '../support/redis-keys';

const decodeJwt = (jwt: string) => ({
  header: JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()),
  claims: JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()),
});

/** Every value of every table and every Redis key and value, as text. */
async function everythingStored(t: TestApp): Promise<string> {
  const tables = ['users', 'sessions', 'refresh_tokens', 'password_resets'];
  const dumps = await Promise.all(
    tables.map((table) =>
      t.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(x)::text AS row FROM ${table} x`),
    ),
  );
  const prefix = process.env.REDIS_KEY_PREFIX!;
  const keys = await keysWithPrefix(t.redis.client, prefix);
  const values = await Promise.all(keys.map((k) => t.redis.client.get(k.slice(prefix.length))));
  return [...dumps.flat().map((r) => r.row), ...keys, ...values].join('\n');
}

describe('what is stored', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('keeps refresh tokens only as HMAC-SHA-256 hashes: no raw token in any table, Redis key or value', async () => {
    const s = await registerAndLogin(t);
    const rotated = await refreshBody(t, s.refreshToken).expect(200);
    const second = await login(t, s.email);
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: second.refreshToken }).expect(204);

    const raw = [s.refreshToken, rotated.body.refreshToken, second.refreshToken];
    const stored = await everythingStored(t);
    for (const token of raw) {
      expect(Buffer.from(token, 'base64url')).toHaveLength(32); // 256 bits
      for (const form of [token, Buffer.from(token, 'base64url').toString('hex'), Buffer.from(token, 'base64url').toString('base64')]) {
        expect(stored).not.toContain(form);
      }
    }
    const rows = await t.prisma.refreshToken.findMany({ where: { userId: s.userId } });
    const hashes = rows.map((r) => Buffer.from(r.tokenHash).toString('hex')).sort();
    const expected = raw.map((tok) => createHmac('sha256', process.env.REFRESH_TOKEN_SECRET!).update(tok).digest('hex')).sort();
    expect(hashes).toEqual(expected);
  });

  it('issues HS256 access tokens with sub, sid, jti, iat and exp', async () => {
    const s = await registerAndLogin(t);
    const { header, claims } = decodeJwt(s.accessToken);
    expect(header.alg).toBe('HS256');
    const session = await t.prisma.session.findFirstOrThrow({ where: { userId: s.userId } });
    expect(claims).toEqual({ sub: s.userId, sid: session.id, jti: expect.stringMatching(/^[0-9a-f-]{36}$/), iat: expect.any(Number), exp: expect.any(Number) });
    expect(claims.exp - claims.iat).toBe(900);
    const again = decodeJwt((await refreshBody(t, s.refreshToken).expect(200)).body.accessToken).claims;
    expect(again.jti).not.toBe(claims.jti);
    expect(again.sid).toBe(claims.sid);
  });

  it('hashes passwords with argon2id at or above the OWASP minimum', async () => {
    const s = await registerAndLogin(t);
    const user = await t.prisma.user.findUniqueOrThrow({ where: { id: s.userId } });
    const [, alg, , params] = user.passwordHash.split('$');
    expect(alg).toBe('argon2id');
    const p = Object.fromEntries(params.split(',').map((kv) => [kv.split('=')[0], Number(kv.split('=')[1])]));
    expect(p.m).toBeGreaterThanOrEqual(19456);
    expect(p.t).toBeGreaterThanOrEqual(2);
    expect(p.p).toBe(1);
    expect(user.passwordHash).not.toContain('correct horse');
  });
});
