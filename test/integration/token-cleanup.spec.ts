import { SchedulerRegistry } from '@nestjs/schedule';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { CLEANUP_JOB_NAME, CleanupResult, TokenCleanupService } from '../../src/auth/cleanup/token-cleanup.service';
import { MetricsService } from '../../src/metrics/metrics.service';
import { createIsolatedDatabase, dropDatabase } from '../support/isolated-database';
import { freePort } from '../support/redis-server';
import { createTestApp, login, refreshBody, registerAndLogin, TestApp, TestAppOptions } from '../support/test-app';

type Seeded = { userId: string };

/** Inserts rows straight into the tables, in every state the job must tell apart. */
async function seedUser(t: TestApp): Promise<Seeded> {
  const userId = randomUUID();
  await t.prisma.$executeRaw`INSERT INTO users (id, email, password_hash, updated_at) VALUES (${userId}::uuid, ${`${userId}@seed.test`}, 'x', now())`;
  return { userId };
}

async function seedSession(t: TestApp, userId: string, state: 'live' | 'revoked' | 'just-ended' | 'past-absolute'): Promise<string> {
  const id = randomUUID();
  const absolute = state === 'past-absolute' ? '-1 hour' : '30 days';
  // 'revoked' ended a day ago, longer than any access token lives; 'just-ended' a moment ago.
  const revokedAt = { revoked: "now() - interval '1 day'", 'just-ended': 'now()' }[state as string] ?? 'NULL';
  await t.prisma.$executeRawUnsafe(
    `INSERT INTO sessions (id, user_id, absolute_expires_at, revoked_at) VALUES ($1::uuid, $2::uuid, now() + interval '${absolute}', ${revokedAt})`,
    id,
    userId,
  );
  return id;
}

async function seedToken(t: TestApp, s: { userId: string; sessionId: string }, state: 'live' | 'rotated' | 'revoked' | 'expired'): Promise<string> {
  const id = randomUUID();
  await t.prisma.$executeRawUnsafe(
    `INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at, revoked, revoked_at, replaced_by)
     VALUES ($1::uuid, $2, $3::uuid, $4::uuid, now() + interval '${state === 'expired' ? '-1 minute' : '7 days'}',
             $5, CASE WHEN $5 THEN now() END, ${state === 'rotated' ? 'gen_random_uuid()' : 'NULL'})`,
    id,
    randomBytes(32),
    s.sessionId,
    s.userId,
    state === 'rotated' || state === 'revoked',
  );
  return id;
}

async function seedReset(t: TestApp, userId: string, state: 'live' | 'used' | 'expired'): Promise<string> {
  const id = randomUUID();
  await t.prisma.$executeRawUnsafe(
    `INSERT INTO password_resets (id, user_id, token_hash, expires_at, used_at)
     VALUES ($1::uuid, $2::uuid, $3, now() + interval '${state === 'expired' ? '-1 minute' : '1 hour'}', ${state === 'used' ? 'now()' : 'NULL'})`,
    id,
    userId,
    randomBytes(32),
  );
  return id;
}

async function seedDeadTokens(t: TestApp, count: number): Promise<{ liveTokenId: string }> {
  const { userId } = await seedUser(t);
  const sessionId = await seedSession(t, userId, 'live');
  const liveTokenId = await seedToken(t, { userId, sessionId }, 'live');
  await t.prisma.$executeRaw`
    INSERT INTO refresh_tokens (id, token_hash, session_id, user_id, expires_at, revoked, revoked_at)
    SELECT gen_random_uuid(), sha256(convert_to(g::text || ${randomUUID()}, 'UTF8')), ${sessionId}::uuid, ${userId}::uuid,
           now() + interval '1 day', true, now()
      FROM generate_series(1, ${count}) g`;
  return { liveTokenId };
}

const done = (r: CleanupResult) => {
  expect(r.status).toBe('done');
  return Object.fromEntries((r as Extract<CleanupResult, { status: 'done' }>).tables.map((x) => [x.table, x]));
};

describe('TokenCleanupService', () => {
  let db: { url: string; drop: () => Promise<void> };
  let t: TestApp;
  const open: TestApp[] = [];
  const app = async (options: TestAppOptions = {}) => {
    const a = await createTestApp({ database: { url: db.url }, ...options });
    open.push(a);
    return a;
  };

  beforeAll(async () => {
    db = await createIsolatedDatabase('cleanup');
    t = await app();
  });
  afterAll(async () => {
    for (const a of open) await a.close();
    await db.drop();
  });
  beforeEach(async () => {
    await t.prisma.$executeRaw`TRUNCATE users, sessions, refresh_tokens, password_resets CASCADE`;
  });

  it('deletes exactly the dead rows and leaves the live ones untouched', async () => {
    const { userId } = await seedUser(t);
    const live = await seedSession(t, userId, 'live');
    const revoked = await seedSession(t, userId, 'revoked');
    const pastAbsolute = await seedSession(t, userId, 'past-absolute');
    const orphaned = await seedSession(t, userId, 'live'); // its only token has expired
    // Ended less than an access-token lifetime ago: kept, so its marker can be rebuilt.
    const justEnded = await seedSession(t, userId, 'just-ended');
    await seedToken(t, { userId, sessionId: justEnded }, 'revoked');
    const liveToken = await seedToken(t, { userId, sessionId: live }, 'live');
    await seedToken(t, { userId, sessionId: live }, 'rotated');
    await seedToken(t, { userId, sessionId: live }, 'expired');
    await seedToken(t, { userId, sessionId: revoked }, 'revoked');
    await seedToken(t, { userId, sessionId: pastAbsolute }, 'live');
    await seedToken(t, { userId, sessionId: orphaned }, 'expired');
    const liveReset = await seedReset(t, userId, 'live');
    await seedReset(t, userId, 'used');
    await seedReset(t, userId, 'expired');

    const report = done(await t.app.get(TokenCleanupService).run());

    expect((await t.prisma.refreshToken.findMany()).map((r) => r.id)).toEqual([liveToken]);
    expect((await t.prisma.session.findMany()).map((s) => s.id).sort()).toEqual([live, justEnded].sort());
    expect((await t.prisma.passwordReset.findMany()).map((r) => r.id)).toEqual([liveReset]);
    expect(report.refresh_tokens.deleted).toBe(5);
    expect(report.password_resets.deleted).toBe(2);
    expect(report.sessions.deleted).toBe(3);
    // Counted in Prometheus per table (the registry is this app's own).
    const metrics = await t.app.get(MetricsService).registry.getSingleMetricAsString('auth_cleanup_rows_deleted_total');
    expect(metrics).toContain('auth_cleanup_rows_deleted_total{table="refresh_tokens"} 5');
    expect(metrics).toContain('auth_cleanup_rows_deleted_total{table="password_resets"} 2');
    expect(metrics).toContain('auth_cleanup_rows_deleted_total{table="sessions"} 3');
    // Logged per table with the rows deleted and the duration.
    for (const table of ['refresh_tokens', 'password_resets', 'sessions']) {
      expect(t.logs.text()).toMatch(new RegExp(`Token cleanup: ${table} deleted=\\d+ batches=\\d+ duration_ms=\\d+`));
    }
  });

  it('deletes 50,000 dead rows in several bounded batches', async () => {
    const batched = await app({ auth: { cleanupBatchSize: 10_000, cleanupPauseMs: 0 } as never });
    const { liveTokenId } = await seedDeadTokens(t, 50_000);
    const report = done(await batched.app.get(TokenCleanupService).run());
    expect(report.refresh_tokens.deleted).toBe(50_000);
    expect(report.refresh_tokens.batches).toBeGreaterThanOrEqual(5);
    expect((await t.prisma.refreshToken.findMany()).map((r) => r.id)).toEqual([liveTokenId]);
  }, 60_000);

  it('runs on one instance at a time: two at once delete every row once, and only one does the work', async () => {
    const a = await app({ auth: { cleanupBatchSize: 500, cleanupPauseMs: 1 } as never });
    const b = await app({ auth: { cleanupBatchSize: 500, cleanupPauseMs: 1 } as never });
    await seedDeadTokens(t, 5_000);
    const results = await Promise.all([a.app.get(TokenCleanupService).run(), b.app.get(TokenCleanupService).run()]);
    expect(results.map((r) => r.status).sort()).toEqual(['done', 'skipped']);
    const winner = results.find((r) => r.status === 'done')!;
    expect(done(winner).refresh_tokens.deleted).toBe(5_000);
    expect(await t.prisma.refreshToken.count()).toBe(1);
  });

  it('never waits for a row a request holds: it skips the row and the next run deletes it', async () => {
    const { userId } = await seedUser(t);
    const sessionId = await seedSession(t, userId, 'live');
    const held = await seedToken(t, { userId, sessionId }, 'expired');
    await seedToken(t, { userId, sessionId }, 'revoked');
    // Another connection revokes the expired token as a logout does, and has not committed yet.
    const request = new Client({ connectionString: db.url });
    await request.connect();
    try {
      await request.query('BEGIN');
      await request.query('UPDATE refresh_tokens SET revoked = true, revoked_at = now() WHERE id = $1', [held]);
      // A purge that waited for the row would wait until that transaction ends, which comes only after.
      const first = await Promise.race([t.app.get(TokenCleanupService).run(), sleep(10_000, 'waited for the locked row', { ref: false })]);
      expect(first).toEqual(expect.objectContaining({ status: 'done' }));
      expect(done(first as CleanupResult).refresh_tokens.deleted).toBe(1);
      expect((await t.prisma.refreshToken.findMany()).map((r) => r.id)).toEqual([held]);
      await request.query('COMMIT');
    } finally {
      await request.end();
    }
    expect(done(await t.app.get(TokenCleanupService).run()).refresh_tokens.deleted).toBe(1);
    expect(await t.prisma.refreshToken.count()).toBe(0);
  });

  it('claims each schedule tick once across instances', async () => {
    const tick = new Date(Date.UTC(2026, 0, 1, 3, 0, 0));
    const a = t.app.get(TokenCleanupService);
    const b = (await app()).app.get(TokenCleanupService);
    expect((await a.runScheduledTick(tick)).status).toBe('done');
    // Another instance whose clock is a few seconds off fires for the same tick.
    expect(await b.runScheduledTick(new Date(tick.getTime() + 4000))).toEqual({ status: 'skipped', reason: 'another instance ran this tick' });
    expect((await b.runScheduledTick(new Date(tick.getTime() + 24 * 3600 * 1000))).status).toBe('done');
  });

  it('logs and resolves when Redis is unreachable', async () => {
    const broken = await app({ redis: { url: `redis://127.0.0.1:${await freePort()}` } });
    const result = await broken.app.get(TokenCleanupService).run();
    expect(result).toEqual({ status: 'failed', error: expect.any(String) });
    expect(broken.logs.records()).toContainEqual(expect.objectContaining({ level: 50, msg: expect.stringMatching(/^Token cleanup failed/) }));
  });

  it('logs and resolves when Postgres goes away mid-life, and runs again later', async () => {
    const other = await createIsolatedDatabase('cleanup_gone');
    const doomed = await app({ database: { url: other.url } });
    await dropDatabase(other.url);
    const result = await doomed.app.get(TokenCleanupService).run();
    expect(result.status).toBe('failed');
    expect(doomed.logs.records()).toContainEqual(expect.objectContaining({ level: 50, msg: expect.stringMatching(/^Token cleanup failed/) }));
    // The lock was released: the next run (on a healthy instance) is not blocked.
    expect((await t.app.get(TokenCleanupService).run()).status).toBe('done');
  });

  it('keeps reuse detection working after the purge (Redis blacklist)', async () => {
    const graceless = await app({ auth: { reuseGrace: 0 } as never });
    const s = await registerAndLogin(graceless);
    const other = await login(graceless, s.email);
    const rotated = await refreshBody(graceless, s.refreshToken).expect(200);
    done(await graceless.app.get(TokenCleanupService).run());
    expect(await graceless.prisma.refreshToken.count({ where: { userId: s.userId } })).toBe(2); // the two live ones
    await refreshBody(graceless, s.refreshToken).expect(401);
    expect(graceless.logs.text()).toContain('refresh_token_reuse_detected');
    await refreshBody(graceless, rotated.body.refreshToken).expect(401);
    await refreshBody(graceless, other.refreshToken).expect(401);
  });

  it('is not scheduled under NODE_ENV=test, and is scheduled with the configured expression otherwise', async () => {
    expect(t.app.get(SchedulerRegistry).getCronJobs().size).toBe(0);
    const scheduled = await app({ app: { nodeEnv: 'development' } as never, auth: { cleanupCron: '*/5 * * * *' } as never });
    const job = scheduled.app.get(SchedulerRegistry).getCronJob(CLEANUP_JOB_NAME);
    expect(job.cronTime.source).toBe('*/5 * * * *');
    expect(job.isActive).toBe(true);
  });

  it('refuses to start with an invalid cron expression, naming the variable', async () => {
    await expect(createTestApp({ database: { url: db.url }, auth: { cleanupCron: 'every night' } as never })).rejects.toThrow(
      /REFRESH_TOKEN_CLEANUP_CRON/,
    );
  });

  it('runs once from the command line (npm run cleanup) and prints the counts', async () => {
    await seedDeadTokens(t, 1_234);
    const { stdout } = await promisify(execFile)(process.execPath, [join(__dirname, '..', '..', 'dist', 'cleanup.js')], {
      env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
    });
    expect(stdout).toMatch(/refresh_tokens: deleted 1234 rows in \d+ batches \(\d+ ms\)/);
    expect(stdout).toMatch(/password_resets: deleted 0 rows/);
    expect(await t.prisma.refreshToken.count()).toBe(1);
  });
});
