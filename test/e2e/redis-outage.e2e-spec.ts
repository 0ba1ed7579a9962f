import { createTestApp, me, refreshBody, registerAndLogin, sleep, TestApp } from '../support/test-app';
import { TestRedisServer } from '../support/redis-server';

/** Polls until `check` passes: recovery is asynchronous (ioredis reconnects in the background). */
async function eventually(check: () => Promise<void>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

describe('Redis unreachable', () => {
  let redis: TestRedisServer;
  let t: TestApp;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    t = await createTestApp({ redis: { url: redis.url }, auth: { reuseGrace: 0 } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('never accepts a rotated or revoked token, answers 503, and recovers by itself', async () => {
    const live = await registerAndLogin(t);
    const rotatedAway = await registerAndLogin(t);
    const successor = (await refreshBody(t, rotatedAway.refreshToken).expect(200)).body;
    const loggedOut = await registerAndLogin(t);
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: loggedOut.refreshToken }).expect(204);
    await t.http().get('/health').expect(200);

    await redis.stop();

    for (const token of [rotatedAway.refreshToken, loggedOut.refreshToken, live.refreshToken]) {
      const res = await refreshBody(t, token);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    }
    // Access tokens cannot be checked against revocation: refused with 503, not waved through.
    for (const token of [loggedOut.accessToken, live.accessToken]) await me(t, token).expect(503);
    const health = await t.http().get('/health').expect(503);
    expect(health.body.message).toMatch(/redis/);
    expect(health.body.message).not.toMatch(/postgres/);

    // The new Redis is empty (no persistence): Postgres still knows the rotated and revoked tokens.
    await redis.restart();
    await eventually(async () => {
      await t.http().get('/health').expect(200);
    });
    await eventually(async () => {
      await me(t, live.accessToken).expect(200);
    });
    await me(t, loggedOut.accessToken).expect(401); // marker restored from Postgres
    await refreshBody(t, loggedOut.refreshToken).expect(401);
    await refreshBody(t, live.refreshToken).expect(200);
    // The rotated token is reuse: the user's sessions end, its successor included.
    await refreshBody(t, rotatedAway.refreshToken).expect(401);
    await refreshBody(t, successor.refreshToken).expect(401);
  });
});
