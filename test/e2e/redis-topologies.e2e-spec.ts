import { TokenCleanupService } from '../../src/auth/cleanup/token-cleanup.service';
import Redis from 'ioredis';
import { TestRedisCluster, TestRedisSentinel } from '../support/redis-server';
import { Answer, driveChains, honestChains, replayUntil, retiredTokens } from '../support/traffic';
import { createTestApp, login, me, PASSWORD, refreshBody, registerAndLogin, sleep, TestApp } from '../support/test-app';

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

  /** The port of the node that serves `key` (the app's prefix included). */
  async function nodeOf(key: string): Promise<number> {
    const probe = new Redis(cluster.ports[0], '127.0.0.1');
    try {
      const slot = (await probe.call('CLUSTER', 'KEYSLOT', `${process.env.REDIS_KEY_PREFIX}${key}`)) as number;
      const ranges = (await probe.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
      return ranges.find(([from, to]) => slot >= from && slot <= to)![2][1];
    } finally {
      probe.disconnect();
    }
  }

  it('rotates, detects reuse and revokes every session of the user across slots', async () => {
    const first = await registerAndLogin(t);
    const sessionIdOf = (accessToken: string) => JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()).sid as string;
    // More sessions until their revocation markers fall on more than one node (3 at least).
    // One after the other: each password check in flight holds a throttle point (limit 2 here).
    const others: Awaited<ReturnType<typeof login>>[] = [];
    const nodes = new Set([await nodeOf(`rs:${sessionIdOf(first.accessToken)}`)]);
    while (others.length < 3 || nodes.size < 2) {
      if (others.length > 20) throw new Error('sessions never spread over two nodes');
      const s = await login(t, first.email);
      others.push(s);
      nodes.add(await nodeOf(`rs:${sessionIdOf(s.accessToken)}`));
    }
    const rotated = await refreshBody(t, first.refreshToken).expect(200);
    await refreshBody(t, first.refreshToken).expect(401); // reuse: every session ends
    for (const s of [...others, { accessToken: rotated.body.accessToken, refreshToken: rotated.body.refreshToken }]) {
      await me(t, s.accessToken).expect(401);
      await refreshBody(t, s.refreshToken).expect(401);
    }
    // Every session's revocation marker was written, on the node that serves its slot.
    const sessionIds = (await t.prisma.session.findMany({ where: { userId: first.userId }, select: { id: true } })).map((x) => x.id);
    expect(sessionIds).toHaveLength(others.length + 1);
    const markersPerNode = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis(port, '127.0.0.1');
        const keys = await node.keys('*rs:*');
        node.disconnect();
        return keys.filter((k) => sessionIds.some((id) => k.endsWith(`rs:${id}`))).length;
      }),
    );
    expect(markersPerNode.reduce((a, b) => a + b, 0)).toBe(sessionIds.length);
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

/**
 * REDIS_MODE=sentinel: a master, a replica and three real Sentinels (quorum 2). The app finds
 * the master through them, never by its address, and follows a failover.
 */
describe('Redis Sentinel mode', () => {
  let sentinel: TestRedisSentinel;
  let t: TestApp;
  beforeAll(async () => {
    sentinel = await TestRedisSentinel.start('mymaster', { replica: true, sentinels: 3 });
    t = await createTestApp({
      redis: { mode: 'sentinel', nodes: sentinel.nodes, sentinelMaster: 'mymaster', keyPrefix: 'sentinel:' },
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

  it('follows a failover (master SIGKILLed under 16 refresh chains): 503 only meanwhile, no retired token accepted', async () => {
    const chains = await honestChains(t, 16);
    // Retired tokens, each of its own user: rotated ones (reuse, grace 0) and logged-out ones.
    const retired = await retiredTokens(t, 4);
    const timeline: Answer[] = [];
    const replays = new Map<number, number>();
    let stop = false;
    const traffic = driveChains(t, chains, () => stop, (a) => timeline.push(a), 50);
    const attack = replayUntil(t, retired, () => stop, replays);
    await sleep(800);
    const killedAt = Date.now();
    await sentinel.master.stop(); // SIGKILL
    let recoveredAt = 0;
    for (let i = 0; !recoveredAt; i++) {
      if (i > 300) throw new Error('no 200 within 30 s of the failover');
      const firstFailure = timeline.find((e) => e.at > killedAt && e.status !== 200);
      // Requests sent before the first failure may still finish with 200: count only later ones.
      recoveredAt = firstFailure ? (timeline.find((e) => e.sentAt > firstFailure.at && e.status === 200)?.at ?? 0) : 0;
      await sleep(100);
    }
    await sleep(1000);
    stop = true;
    await Promise.all([traffic, attack]);

    // The sentinels that did not lead the failover learn of it a moment later.
    for (let i = 0; (await sentinel.masterPortSeenBy()) !== sentinel.replica!.port && i < 100; i++) await sleep(100);
    expect(await sentinel.masterPortSeenBy()).toBe(sentinel.replica!.port);
    expect([...new Set(timeline.map((e) => e.status))].sort()).toEqual([200, 503]);
    expect([...replays.keys()].every((status) => status === 401 || status === 503)).toBe(true);
    expect(replays.get(401)).toBeGreaterThan(0);
    for (const chain of chains) await refreshBody(t, chain.refreshToken).expect(200);
    await t.http().get('/health').expect(200);
    console.log(
      `Sentinel failover: refresh answered 200 again ${((recoveredAt - killedAt) / 1000).toFixed(1)} s after SIGKILL of the master; ` +
        `replays ${JSON.stringify(Object.fromEntries(replays))}`,
    );
  }, 60_000);
});
