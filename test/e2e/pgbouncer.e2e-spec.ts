import { Client } from 'pg';
import { TokenCleanupService } from '../../src/auth/cleanup/token-cleanup.service';
import { databaseSettings } from '../../src/config/database.config';
import { validateEnv } from '../../src/config/env.validation';
import { dropDatabase } from '../support/isolated-database';
import { TestPgBouncer } from '../support/pgbouncer';
import { createTestApp, login, me, PASSWORD, refreshBody, registerAndLogin, sleep, TestApp } from '../support/test-app';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { migrate, readMigrations } = require('../../scripts/migrate');

jest.setTimeout(60_000);

/** Refreshes each chain in a loop until `ms` have passed; returns the statuses seen. */
async function driveChains(t: TestApp, tokens: string[], ms: number, stopOn?: number): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  const until = Date.now() + ms;
  await Promise.all(
    tokens.map(async (_, i) => {
      while (Date.now() < until && !(stopOn && seen.has(stopOn))) {
        const res = await refreshBody(t, tokens[i]);
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        if (res.status !== 200) return;
        tokens[i] = res.body.refreshToken;
      }
    }),
  );
  return seen;
}

/**
 * Behind a real PgBouncer in transaction pooling mode (Debian's 1.18, which does not track
 * prepared statements), with 4 server connections for the app's 10: every transaction may run
 * on another backend. `?pgbouncer=true` on DATABASE_URL is all the user sets.
 */
describe('behind PgBouncer in transaction pooling mode', () => {
  const database = `auth_pgbouncer_${process.pid}`;
  let bouncer: TestPgBouncer;
  let t: TestApp;

  beforeAll(async () => {
    bouncer = await TestPgBouncer.start({ poolSize: 4 });
    await dropDatabase(`postgresql://postgres@127.0.0.1:5432/${database}`);
  });
  afterAll(async () => {
    await t?.close();
    await bouncer?.stop();
    await dropDatabase(`postgresql://postgres@127.0.0.1:5432/${database}`);
  });

  it('creates and migrates the database through the pooler, once, also with three deploys at once', async () => {
    const url = `${bouncer.url(database)}?pgbouncer=true`;
    const runs: string[][] = await Promise.all([migrate(url, () => undefined), migrate(url, () => undefined), migrate(url, () => undefined)]);
    expect(runs.flat()).toEqual(readMigrations().map((m: { name: string }) => m.name));
    expect(await migrate(url, () => undefined)).toEqual([]);
    t = await createTestApp({
      database: databaseSettings(validateEnv({ ...process.env, DATABASE_URL: url, DATABASE_PREPARED_STATEMENTS: '', DATABASE_POOL_SIZE: '10' })),
      auth: { reuseGrace: 1 },
    });
    expect(t.app.get(TokenCleanupService)).toBeDefined();
  });

  it('rotates 16 chains concurrently with only 200s and leaves one live token per session', async () => {
    const sessions = await Promise.all(Array.from({ length: 16 }, () => registerAndLogin(t)));
    const seen = await driveChains(t, sessions.map((s) => s.refreshToken), 2000);
    expect([...seen.keys()]).toEqual([200]);
    expect(seen.get(200)).toBeGreaterThan(100);
    const live = await t.prisma.refreshToken.groupBy({
      by: ['sessionId'],
      where: { userId: { in: sessions.map((s) => s.userId) }, revoked: false },
      _count: true,
    });
    expect(live.map((row) => row._count)).toEqual(Array(16).fill(1));
  });

  it('hands 12 concurrent refreshes of one token the same successor; a replay in the grace window too', async () => {
    const s = await registerAndLogin(t);
    const responses = await Promise.all(Array.from({ length: 12 }, () => refreshBody(t, s.refreshToken)));
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(new Set(responses.map((r) => r.body.refreshToken)).size).toBe(1);
    expect(await t.prisma.refreshToken.count({ where: { userId: s.userId } })).toBe(2);
    const replay = await refreshBody(t, s.refreshToken).expect(200);
    expect(replay.body.refreshToken).toBe(responses[0].body.refreshToken);
  });

  it('treats a replay after the grace window as theft and ends every session of the user', async () => {
    const s = await registerAndLogin(t);
    const other = await login(t, s.email);
    const rotated = await refreshBody(t, s.refreshToken).expect(200);
    await sleep(1300);
    await refreshBody(t, s.refreshToken).expect(401);
    await refreshBody(t, rotated.body.refreshToken).expect(401);
    await refreshBody(t, other.refreshToken).expect(401);
    await me(t, other.accessToken).expect(401);
    expect(await t.prisma.session.count({ where: { userId: s.userId, revokedAt: null } })).toBe(0);
  });

  it('logs in with the cookie, logs out, and runs the cleanup job', async () => {
    const s = await registerAndLogin(t);
    const cookieLogin = await t.http().post('/auth/login').send({ email: s.email, password: PASSWORD }).expect(200);
    expect(cookieLogin.headers['set-cookie']).toBeDefined();
    await t.http().post('/auth/logout').set('X-Token-Transport', 'body').send({ refreshToken: s.refreshToken }).expect(204);
    await refreshBody(t, s.refreshToken).expect(401);
    await me(t, s.accessToken).expect(401);
    const result = await t.app.get(TokenCleanupService).run();
    expect(result.status).toBe('done');
    const deleted = result.status === 'done' ? result.tables.find((r) => r.table === 'refresh_tokens')!.deleted : 0;
    expect(deleted).toBeGreaterThan(0);
  });

  it('breaks with named prepared statements (why the setting exists): the same traffic gets 500s', async () => {
    const named = await createTestApp({
      database: databaseSettings(validateEnv({ ...process.env, DATABASE_URL: bouncer.url(database), DATABASE_PREPARED_STATEMENTS: 'true', DATABASE_POOL_SIZE: '10' })),
    });
    try {
      const sessions = await Promise.all(Array.from({ length: 8 }, () => registerAndLogin(named).catch(() => null)));
      const tokens = sessions.filter((s) => s !== null).map((s) => s!.refreshToken);
      const seen = await driveChains(named, tokens, 5000, 500);
      expect(sessions.includes(null) || seen.has(500)).toBe(true);
      expect(named.logs.text()).toMatch(/prepared statement/);
    } finally {
      await named.close();
    }
  });
});

describe('DATABASE_URL ?pgbouncer=true and DATABASE_PREPARED_STATEMENTS', () => {
  const settings = (env: Record<string, string>) => databaseSettings(validateEnv({ ...process.env, DATABASE_PREPARED_STATEMENTS: '', ...env }));
  const pooled = 'postgresql://u@h:6432/db?pgbouncer=true&sslmode=disable';
  it('turns named statements off for ?pgbouncer=true and keeps it out of the URL pg sees', () => {
    expect(settings({ DATABASE_URL: pooled })).toMatchObject({ namedStatements: false, url: 'postgresql://u@h:6432/db?sslmode=disable' });
  });
  it('lets an explicit setting win (PgBouncer >= 1.21 with max_prepared_statements), defaults to named', () => {
    expect(settings({ DATABASE_URL: pooled, DATABASE_PREPARED_STATEMENTS: 'true' }).namedStatements).toBe(true);
    expect(settings({ DATABASE_URL: 'postgresql://u@h/db' }).namedStatements).toBe(true);
    expect(settings({ DATABASE_URL: 'postgresql://u@h/db', DATABASE_PREPARED_STATEMENTS: 'false' }).namedStatements).toBe(false);
  });
});
