import { TokenCleanupService } from '../../src/auth/cleanup/token-cleanup.service';
import Redis from 'ioredis';
import { TestRedisCluster, TestRedisSentinel } from '../support/redis-server';
import { createTestApp, login, me, PASSWORD, refreshBody, registerAndLogin, TestApp } from '../support/test-app';

/**
 * REDIS_MODE=cluster against a real three-master cluster: the keys of one user's tokens and
 * sessions hash to different slots on different nodes, so any multi-key command, MULTI or
 * pipeline across them would fail with CROSSSLOT here.
 */
describe('Redis Cluster mode', () => {
  let cluster: TestRedisCluster;
  let t: TestApp;
  beforeAll(async () => {
    cluster = await TestRedisCluster.start();
    t = await createTestApp({ redis: { mode: 'cluster', nodes: cluster.nodes }, auth: { reuseGrace: 0 }, throttle: { loginFailuresPerAccount: 2 } });
  }, 30000);
  afterAll(async () => {
    await t?.close();
    await cluster?.stop();
  });

  it('rotates, detects reuse and revokes every session of the user across slots', async () => {
    const first = await registerAndLogin(t);
    const others = await Promise.all([login(t, first.email), login(t, first.email), login(t, first.email)]);
    const rotated = await refreshBody(t, first.refreshToken).expect(200);
    await refreshBody(t, first.refreshToken).expect(401); // reuse: all four sessions end
    for (const s of [...others, { accessToken: rotated.body.accessToken, refreshToken: rotated.body.refreshToken }]) {
      await me(t, s.accessToken).expect(401);
      await refreshBody(t, s.refreshToken).expect(401);
    }
    // The user's four revocation markers really are spread over the nodes.
    const sessionIds = (await t.prisma.session.findMany({ where: { userId: first.userId }, select: { id: true } })).map((x) => x.id);
    expect(sessionIds).toHaveLength(4);
    const markersPerNode = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis(port, '127.0.0.1');
        const keys = await node.keys('*rs:*');
        node.disconnect();
        return keys.filter((k) => sessionIds.some((id) => k.endsWith(`rs:${id}`))).length;
      }),
    );
    expect(markersPerNode.reduce((a, b) => a + b, 0)).toBe(4);
    expect(markersPerNode.filter((n) => n > 0).length).toBeGreaterThan(1);
  });

  it('throttles logins and runs the cleanup under its lock', async () => {
    const s = await registerAndLogin(t);
    await t.http().post('/auth/login').send({ email: s.email, password: 'wrong password!' }).expect(401);
    await t.http().post('/auth/login').send({ email: s.email, password: 'wrong password!' }).expect(401);
    await t.http().post('/auth/login').send({ email: s.email, password: PASSWORD }).expect(429);
    expect((await t.app.get(TokenCleanupService).run()).status).toBe('done');
    await t.http().get('/health').expect(200);
  });
});

/** REDIS_MODE=sentinel: the app finds the master through a real Sentinel, never by its address. */
describe('Redis Sentinel mode', () => {
  let sentinel: TestRedisSentinel;
  let t: TestApp;
  beforeAll(async () => {
    sentinel = await TestRedisSentinel.start();
    t = await createTestApp({
      redis: { mode: 'sentinel', nodes: [{ host: '127.0.0.1', port: sentinel.sentinelPort }], sentinelMaster: 'mymaster', keyPrefix: 'sentinel:' },
      auth: { reuseGrace: 0 },
    });
  }, 30000);
  afterAll(async () => {
    await t?.close();
    await sentinel?.stop();
  });

  it('rotates, detects reuse and revokes, with every key on the master the sentinel names', async () => {
    const s = await registerAndLogin(t);
    const rotated = await refreshBody(t, s.refreshToken).expect(200);
    await refreshBody(t, s.refreshToken).expect(401);
    await me(t, rotated.body.accessToken).expect(401);
    await t.http().get('/health').expect(200);
    const master = new Redis(sentinel.master.port, '127.0.0.1');
    try {
      expect((await master.keys('sentinel:bl:*')).length).toBeGreaterThanOrEqual(2);
      expect((await master.keys('sentinel:rs:*')).length).toBeGreaterThanOrEqual(1);
    } finally {
      master.disconnect();
    }
  });
});
