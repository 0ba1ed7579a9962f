import { Client } from 'pg';
import { TokenHasher } from '../../src/auth/tokens/token-crypto';
import { createIsolatedDatabase } from '../support/isolated-database';
import { TestPostgresServer } from '../support/postgres-server';
import { TestRedisServer } from '../support/redis-server';
import { createTestApp, refreshBody, sleep, TestApp } from '../support/test-app';
import { Chain, count, driveChains, honestChains, replayUntil, retiredTokens } from '../support/traffic';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { migrate } = require('../../scripts/migrate');

jest.setTimeout(60_000);

/** Per session: at most one live token, no token with two predecessors, one head; every successor exists. */
async function expectSingleChains(t: TestApp, userIds: string[]): Promise<void> {
  const broken = await t.prisma.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM (
      SELECT session_id FROM refresh_tokens WHERE user_id = ANY(${userIds}::uuid[]) AND NOT revoked GROUP BY session_id HAVING count(*) > 1
      UNION ALL SELECT replaced_by FROM refresh_tokens WHERE user_id = ANY(${userIds}::uuid[]) AND replaced_by IS NOT NULL GROUP BY replaced_by HAVING count(*) > 1
      UNION ALL SELECT session_id FROM refresh_tokens WHERE user_id = ANY(${userIds}::uuid[]) AND replaced_by IS NULL GROUP BY session_id HAVING count(*) <> 1
      UNION ALL SELECT r.id FROM refresh_tokens r LEFT JOIN refresh_tokens s ON s.id = r.replaced_by
        WHERE r.user_id = ANY(${userIds}::uuid[]) AND r.replaced_by IS NOT NULL AND s.id IS NULL
      UNION ALL SELECT id FROM refresh_tokens WHERE user_id = ANY(${userIds}::uuid[]) AND revoked AND replaced_by IS NULL
    ) AS problems`;
  expect(broken[0].n).toBe(0n);
}

async function expectChainsHeldByClients(t: TestApp, chains: Chain[]): Promise<void> {
  const hasher = new TokenHasher(process.env.REFRESH_TOKEN_SECRET!);
  for (const chain of chains) {
    const row = await t.prisma.refreshToken.findUnique({ where: { tokenHash: new Uint8Array(hasher.hash(chain.refreshToken)) } });
    expect(row).toMatchObject({ revoked: false, userId: chain.userId });
  }
}

describe('faults in the middle of traffic', () => {
  it('Redis stopped and restarted under refresh traffic: no retired token accepted, 503 only, recovers', async () => {
    const redis = await TestRedisServer.start();
    // Grace 0: a replayed rotated token is reuse at once (inside the window it would rightly get 200).
    const t = await createTestApp({ redis: { url: redis.url }, auth: { reuseGrace: 0 } });
    try {
      const chains = await honestChains(t, 16);
      // Tokens that must never work again: rotated ones (each of another user) and logged-out ones.
      const retired = await retiredTokens(t, 4);
      const honest = new Map<number, number>();
      const replays = new Map<number, number>();
      let stop = false;
      const traffic = driveChains(t, chains, () => stop, (a) => count(honest, a.status));
      const attack = replayUntil(t, retired, () => stop, replays);
      await sleep(800);
      await redis.stop();
      await sleep(1500);
      await t.http().get('/health').expect(503);
      await redis.restart(); // empty: nothing persisted
      for (let i = 0; (await t.http().get('/health')).status !== 200; i++) {
        if (i > 100) throw new Error('did not recover');
        await sleep(100);
      }
      await sleep(800);
      stop = true;
      await Promise.all([traffic, attack]);

      expect([...replays.keys()].sort()).toEqual([401, 503]); // never 200, never 500
      expect([...honest.keys()].sort()).toEqual([200, 503]);
      expect(honest.get(503)).toBeGreaterThan(0);
      // Every honest chain goes on after the outage, and is still a single chain.
      for (const chain of chains) chain.refreshToken = (await refreshBody(t, chain.refreshToken).expect(200)).body.refreshToken;
      await expectSingleChains(t, chains.map((c) => c.userId));
      await expectChainsHeldByClients(t, chains);
    } finally {
      await t.close();
      await redis.stop();
    }
  });

  it('Postgres connections killed under refresh traffic: 503 only, the pool recovers, no half-done rotation', async () => {
    const database = await createIsolatedDatabase('pgfault');
    const t = await createTestApp({ database: { url: database.url } });
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const chains = await honestChains(t, 16);
      const seen = new Map<number, number>();
      let stop = false;
      const traffic = driveChains(t, chains, () => stop, (a) => count(seen, a.status));
      let terminated = 0;
      const dbName = new URL(database.url).pathname.slice(1);
      for (let round = 0; round < 5; round++) {
        await sleep(300);
        const killed = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [dbName],
        );
        terminated += killed.rowCount ?? 0;
      }
      await sleep(1000);
      stop = true;
      await traffic;

      expect(terminated).toBeGreaterThan(5);
      expect([...seen.keys()].every((s) => s === 200 || s === 503)).toBe(true); // never 401 (no chain broken), never 500
      expect(seen.get(200)).toBeGreaterThan(50);
      // The pool reconnects by itself: every chain still works.
      for (const chain of chains) chain.refreshToken = (await refreshBody(t, chain.refreshToken).expect(200)).body.refreshToken;
      await expectSingleChains(t, chains.map((c) => c.userId));
      await expectChainsHeldByClients(t, chains);
      console.log(`Postgres faults: ${terminated} backends terminated; responses ${JSON.stringify(Object.fromEntries(seen))}`);
    } finally {
      await admin.end();
      await t.close();
      await database.drop();
    }
  });

  it('Postgres crashes (immediate stop) under traffic and restarts 3 s later: 200/401/503 only, recovers by itself', async () => {
    const postgres = await TestPostgresServer.start();
    await migrate(postgres.url('auth'), () => undefined);
    // A rotation committed just before the crash whose answer was lost is retried after the
    // outage with the old token: a grace window longer than the outage keeps that honest.
    const t = await createTestApp({ database: { url: postgres.url('auth'), poolSize: 10, namedStatements: true }, auth: { reuseGrace: 30 } });
    try {
      const chains = await honestChains(t, 16);
      const loggedOut = await retiredTokens(t, 8, ['logged-out']);
      const honest = new Map<number, number>();
      const replays = new Map<number, number>();
      const health = new Set<number>();
      let stop = false;
      const successTimes: number[] = [];
      const traffic = driveChains(
        t,
        chains,
        () => stop,
        (a) => {
          count(honest, a.status);
          if (a.status === 200) successTimes.push(a.at);
        },
        50,
      );
      const attack = replayUntil(t, loggedOut, () => stop, replays, async () => {
        health.add((await t.http().get('/health')).status);
        await sleep(20);
      });
      await sleep(800);
      const crashedAt = Date.now();
      await postgres.crash();
      await sleep(3000);
      await t.http().get('/health').expect(503);
      await postgres.restart();
      const restartedAt = Date.now();
      let recoveredAt = 0;
      for (let i = 0; !recoveredAt; i++) {
        if (i > 300) throw new Error('refresh traffic did not recover within 30 s');
        recoveredAt = successTimes.find((at) => at > restartedAt) ?? 0;
        await sleep(100);
      }
      await t.http().get('/health').expect(200);
      await sleep(1000);
      stop = true;
      await Promise.all([traffic, attack]);

      expect([...replays.keys()].sort()).toEqual([401, 503]); // never 200, never 500
      expect([...honest.keys()].sort()).toEqual([200, 503]);
      expect([...health].sort()).toEqual([200, 503]);
      for (const chain of chains) chain.refreshToken = (await refreshBody(t, chain.refreshToken).expect(200)).body.refreshToken;
      await expectSingleChains(t, chains.map((c) => c.userId));
      await expectChainsHeldByClients(t, chains);
      console.log(
        `Postgres crash: refresh answered 200 again ${((recoveredAt - crashedAt) / 1000).toFixed(1)} s after the crash, ` +
          `${((recoveredAt - restartedAt) / 1000).toFixed(1)} s after the restart; chains ${JSON.stringify(Object.fromEntries(honest))}, ` +
          `replays ${JSON.stringify(Object.fromEntries(replays))}`,
      );
    } finally {
      await t.close();
      await postgres.stop();
    }
  });
});
