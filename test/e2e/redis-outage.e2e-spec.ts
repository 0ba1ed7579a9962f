import Redis from 'ioredis';
import { TokenCleanupService } from '../../src/auth/cleanup/token-cleanup.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { createIsolatedDatabase } from '../support/isolated-database';
import { TestRedisServer } from '../support/redis-server';
import { createTestApp, me, refreshBody, registerAndLogin, sleep, TestApp } from '../support/test-app';

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

/**
 * Redis restarting empty after the cleanup job has run. Ended sessions outlive their access
 * tokens in Postgres, so their markers come back; purged rotated tokens do not, so an emptied
 * Redis is reported (error event and metric) for an operator to act on.
 */
// A Redis that stops answering without closing its connections (a frozen process, a network
// that drops packets): each command gives up after the client's command timeout (2 s), so a
// request gets its 503 instead of hanging, and nothing changes meanwhile.
describe('Redis that stops answering (SIGSTOP: connections open, no replies)', () => {
  let redis: TestRedisServer;
  let t: TestApp;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    t = await createTestApp({ redis: { url: redis.url } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('answers 503 within the command timeout, rotates nothing, and serves the same token once Redis answers again', async () => {
    const session = await registerAndLogin(t);
    redis.pause();
    // A regression that leaves requests waiting on a frozen Redis must fail this test, not hang
    // the run: Redis answers again after 10 s whatever happens, and `waited` tells.
    const watchdog = setTimeout(() => redis.resume(), 10000);
    const started = Date.now();
    const [refresh, guarded] = await Promise.all([refreshBody(t, session.refreshToken), me(t, session.accessToken)]);
    const waited = Date.now() - started;
    clearTimeout(watchdog);
    redis.resume();
    expect([refresh.status, guarded.status]).toEqual([503, 503]);
    expect(refresh.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    expect(waited).toBeGreaterThanOrEqual(1900);
    expect(waited).toBeLessThan(6000);
    await eventually(async () => {
      await me(t, session.accessToken).expect(200);
    });
    // The refresh that got 503 changed nothing: the token is still the live one.
    const next = await refreshBody(t, session.refreshToken).expect(200);
    await refreshBody(t, next.body.refreshToken).expect(200);
  });
});

describe('Redis back empty after a cleanup run', () => {
  let redis: TestRedisServer;
  let database: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  beforeAll(async () => {
    redis = await TestRedisServer.start();
    database = await createIsolatedDatabase('redisloss');
    t = await createTestApp({ redis: { url: redis.url }, database: { url: database.url, poolSize: 5, namedStatements: true } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
    await database.drop();
  });
  const lossEvents = () => t.logs.records().filter((r) => r.event === 'redis_data_loss_detected');

  it('keeps a logged-out access token refused: the ended session is still in Postgres to rebuild its marker', async () => {
    const s = await registerAndLogin(t);
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: s.refreshToken }).expect(204);
    const cleanup = await t.app.get(TokenCleanupService).run();
    expect(cleanup.status).toBe('done');
    expect(await t.prisma.refreshToken.count({ where: { userId: s.userId } })).toBe(0); // the revoked token is purged
    await redis.stop();
    await redis.restart(); // empty
    await eventually(async () => {
      await t.http().get('/health').expect(200);
    });
    await eventually(async () => {
      await me(t, s.accessToken).expect(401);
    });
    await sleep(300);
    await me(t, s.accessToken).expect(401);
  });

  it('reports an emptied Redis once, as an error event and a metric; a mere reconnect reports nothing', async () => {
    await registerAndLogin(t); // Postgres has sessions
    const metric = async () => (await t.app.get(MetricsService).registry.getSingleMetric('auth_redis_data_loss_detected_total')!.get()).values[0]?.value ?? 0;
    const eventsBefore = lossEvents().length;
    const countBefore = await metric();

    // A dropped connection with the data kept: nothing to report.
    const admin = new Redis(redis.port, '127.0.0.1');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal');
    admin.disconnect();
    await sleep(500);
    await eventually(async () => {
      await t.http().get('/health').expect(200);
    });
    expect(lossEvents().length).toBe(eventsBefore);

    await redis.stop();
    await redis.restart();
    await eventually(async () => expect(lossEvents().length).toBe(eventsBefore + 1));
    expect(lossEvents().at(-1)).toMatchObject({ level: 50, event: 'redis_data_loss_detected' });
    expect(await metric()).toBe(countBefore + 1);
  });
});
