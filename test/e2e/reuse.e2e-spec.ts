import { DATA_MARKER_KEY } from '../../src/auth/tokens/session-revocation.service';
import { createTestApp, login, me, refreshBody, registerAndLogin, TestApp } from '../support/test-app';
import { keysWithPrefix } from '../support/redis-keys';

/** Rotates once and waits out nothing: grace 0 makes any replay of the old token reuse. */
async function stolenTokenScenario(t: TestApp) {
  const victim = await registerAndLogin(t);
  const otherDevice = await login(t, victim.email);
  const rotated = await refreshBody(t, victim.refreshToken).expect(200);
  return { victim, otherDevice, rotated: rotated.body as { accessToken: string; refreshToken: string } };
}

describe('reuse detection (REUSE_REVOKES=user)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp({ auth: { reuseGrace: 0, reuseRevokes: 'user' } })));
  afterAll(() => t.close());

  it('revokes every refresh token of the user and stops their access tokens at once', async () => {
    const { victim, otherDevice, rotated } = await stolenTokenScenario(t);
    await me(t, otherDevice.accessToken).expect(200);

    const replay = await refreshBody(t, victim.refreshToken).expect(401);
    expect(replay.body.message).toBe('Refresh token is invalid, expired or revoked');

    expect(await t.prisma.refreshToken.count({ where: { userId: victim.userId, revoked: false } })).toBe(0);
    expect(await t.prisma.session.count({ where: { userId: victim.userId, revokedAt: null } })).toBe(0);
    await refreshBody(t, rotated.refreshToken).expect(401);
    await refreshBody(t, otherDevice.refreshToken).expect(401);
    // Access tokens fail on the next request, long before their exp.
    await me(t, rotated.accessToken).expect(401);
    await me(t, otherDevice.accessToken).expect(401);
  });

  it('logs one security event with user, session, ip and user agent, and no token', async () => {
    const { victim, rotated } = await stolenTokenScenario(t);
    const before = t.logs.lines.length;
    await refreshBody(t, victim.refreshToken).set('User-Agent', 'thief-agent/1.0').expect(401);
    const events = t.logs.lines.slice(before).filter((l) => l.includes('refresh_token_reuse_detected'));
    expect(events).toHaveLength(1);
    const event = JSON.parse(events[0].slice(events[0].indexOf('{'), events[0].lastIndexOf('}') + 1));
    expect(event).toMatchObject({ userId: victim.userId, userAgent: 'thief-agent/1.0', revoked: 'user', sessionsEnded: 2 });
    expect(event.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.ip).toEqual(expect.any(String));
    const logText = t.logs.text();
    for (const secret of [victim.refreshToken, rotated.refreshToken, victim.accessToken, rotated.accessToken]) {
      expect(logText).not.toContain(secret);
    }
  });

  it('does not trip again: a token of an already revoked family gets a plain 401 and new logins survive', async () => {
    const { victim } = await stolenTokenScenario(t);
    await refreshBody(t, victim.refreshToken).expect(401); // trips: everything revoked
    const fresh = await login(t, victim.email);
    const before = t.logs.lines.length;
    await refreshBody(t, victim.refreshToken).expect(401); // stolen token again
    expect(t.logs.lines.slice(before).join('\n')).not.toContain('refresh_token_reuse_detected');
    await me(t, fresh.accessToken).expect(200);
    await refreshBody(t, fresh.refreshToken).expect(200);
  });

  it('does not trip for a token revoked without a successor (a stale client after logout)', async () => {
    const s = await registerAndLogin(t);
    const other = await login(t, s.email);
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: s.refreshToken }).expect(204);
    await refreshBody(t, s.refreshToken).expect(401);
    await me(t, other.accessToken).expect(200);
    await refreshBody(t, other.refreshToken).expect(200);
  });
});

describe('reuse detection (REUSE_REVOKES=session)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp({ auth: { reuseGrace: 0, reuseRevokes: 'session' } })));
  afterAll(() => t.close());

  it('revokes only the family of the reused token', async () => {
    const { victim, otherDevice, rotated } = await stolenTokenScenario(t);
    await refreshBody(t, victim.refreshToken).expect(401);
    await refreshBody(t, rotated.refreshToken).expect(401);
    await me(t, rotated.accessToken).expect(401);
    await me(t, otherDevice.accessToken).expect(200);
    await refreshBody(t, otherDevice.refreshToken).expect(200);
  });
});

describe('reuse after the row was purged', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp({ auth: { reuseGrace: 0 } })));
  afterAll(() => t.close());

  it('is still recognised through the Redis blacklist, whose keys all carry a TTL', async () => {
    const { victim, rotated } = await stolenTokenScenario(t);
    // What the cleanup job does to retired rows.
    const purged = await t.prisma.refreshToken.deleteMany({ where: { userId: victim.userId, revoked: true } });
    expect(purged.count).toBe(1);
    await refreshBody(t, victim.refreshToken).expect(401);
    await refreshBody(t, rotated.refreshToken).expect(401);
    await me(t, rotated.accessToken).expect(401);

    const prefix = process.env.REDIS_KEY_PREFIX!;
    const keys = await keysWithPrefix(t.redis.client, prefix).then((ks) => ks.map((k) => k.slice(prefix.length)));
    expect(keys.length).toBeGreaterThan(0);
    // -1 would be a key without TTL; -2 is a short-lived key that expired since SCAN listed it.
    // The one exception: the data-set marker that tells an emptied Redis apart (one per app prefix).
    for (const key of keys.filter((k) => !k.endsWith(DATA_MARKER_KEY))) expect({ key, ttl: await t.redis.client.pttl(key) }).not.toEqual({ key, ttl: -1 });
  });
});
