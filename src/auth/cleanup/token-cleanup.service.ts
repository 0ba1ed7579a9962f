import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { ShutdownTasks } from '../../lifecycle/shutdown-tasks';
import { sessionMarkerTtlSeconds } from '../tokens/token-blacklist.service';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob, validateCronExpression } from 'cron';
import { setTimeout as sleep } from 'node:timers/promises';
import { appConfig, AppConfig } from '../../config/app.config';
import { authConfig, AuthConfig } from '../../config/auth.config';
import { AuthMetrics } from '../auth-metrics';
import { RedisLock } from '../../redis/redis-lock';
import { RedisService } from '../../redis/redis.service';
import { EmailVerificationRepository } from '../email/email-verification.repository';
import { PasswordResetRepository } from '../passwords/password-reset.repository';
import { SessionRepository } from '../sessions/session.repository';
import { RefreshTokenRepository } from '../tokens/refresh-token.repository';

export type CleanupTable = 'refresh_tokens' | 'password_resets' | 'email_verifications' | 'sessions';

export const CLEANUP_JOB_NAME = 'token-cleanup';
/** Long enough for a slow batch; extended after every batch, freed if the holder dies. */
const LOCK_TTL_MS = 60_000;
/** A scheduled tick is claimed once across instances, even if their clocks differ a little. */
const TICK_CLAIM_TTL_SECONDS = 3600;

export interface TableReport {
  table: CleanupTable;
  deleted: number;
  batches: number;
  durationMs: number;
}

export type CleanupResult =
  | { status: 'done'; tables: TableReport[]; durationMs: number }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; error: string };

/**
 * Purges what can never be used again: revoked or expired refresh tokens, used or expired
 * password resets and email verifications, and dead sessions (past their absolute limit, without any token, or ended
 * longer ago than an access token lives, so a lost Redis marker can still be rebuilt). Runs on
 * REFRESH_TOKEN_CLEANUP_CRON (not under NODE_ENV=test), on one instance per tick, in bounded
 * batches that never wait for a row a request holds. The Redis blacklist needs no purge:
 * every key there expires by itself.
 */
@Injectable()
export class TokenCleanupService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(TokenCleanupService.name);
  private running: Promise<CleanupResult> | null = null;
  private stopping = false;

  constructor(
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly passwordResets: PasswordResetRepository,
    private readonly emailVerifications: EmailVerificationRepository,
    private readonly sessions: SessionRepository,
    private readonly redis: RedisService,
    private readonly scheduler: SchedulerRegistry,
    private readonly metrics: AuthMetrics,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly shutdown: ShutdownTasks,
  ) {}

  onModuleInit(): void {
    // Also checked with the rest of the environment; repeated here for configs built in code.
    if (!validateCronExpression(this.config.cleanupCron).valid) {
      throw new Error(`"REFRESH_TOKEN_CLEANUP_CRON" is not a valid cron expression: ${this.config.cleanupCron}`);
    }
    // On SIGTERM: no new tick, and a running purge stops after its batch.
    this.shutdown.register(TokenCleanupService.name, () => this.stop());
  }

  onApplicationBootstrap(): void {
    if (this.app.nodeEnv === 'test') return;
    const job: CronJob = CronJob.from({
      cronTime: this.config.cleanupCron,
      onTick: async (): Promise<void> => void (await this.runScheduledTick(new Date())),
      waitForCompletion: true,
    });
    this.scheduler.addCronJob(CLEANUP_JOB_NAME, job);
    job.start();
    this.logger.log(`Token cleanup scheduled: "${this.config.cleanupCron}"`);
  }

  /** A cron tick: claimed by exactly one instance, then run. */
  async runScheduledTick(firedAt: Date): Promise<CleanupResult> {
    // Ticks fall on minute boundaries: rounding absorbs clock skew of up to ±30 s between instances.
    const minute = Math.round(firedAt.getTime() / 60_000);
    try {
      const claimed = await this.redis.client.set(`cleanup:tick:${minute}`, '1', 'EX', TICK_CLAIM_TTL_SECONDS, 'NX');
      if (claimed !== 'OK') return this.skipped('another instance ran this tick');
    } catch (err) {
      return this.failed(err);
    }
    return this.run();
  }

  /**
   * Graceful shutdown, before Postgres and Redis close: no new tick starts, a run in progress
   * stops after its current batch (the next tick picks up where it left off).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.scheduler.doesExist('cron', CLEANUP_JOB_NAME)) await this.scheduler.getCronJob(CLEANUP_JOB_NAME).stop();
    await this.running;
  }

  /** One full cleanup, unless another instance is running one. Never throws. */
  async run(): Promise<CleanupResult> {
    this.running = this.runExclusively();
    try {
      return await this.running;
    } finally {
      this.running = null;
    }
  }

  private async runExclusively(): Promise<CleanupResult> {
    const lock = new RedisLock(this.redis.client, 'cleanup:lock', LOCK_TTL_MS);
    try {
      if (!(await lock.acquire())) return this.skipped('another instance is running it');
    } catch (err) {
      return this.failed(err);
    }
    const started = Date.now();
    try {
      const tables = [
        await this.purge('refresh_tokens', lock, [
          (n) => this.refreshTokens.deleteRevokedBatch(n),
          (n) => this.refreshTokens.deleteExpiredBatch(n),
        ]),
        await this.purge('password_resets', lock, [
          (n) => this.passwordResets.deleteUsedBatch(n),
          (n) => this.passwordResets.deleteExpiredBatch(n),
        ]),
        await this.purge('email_verifications', lock, [
          (n) => this.emailVerifications.deleteUsedBatch(n),
          (n) => this.emailVerifications.deleteExpiredBatch(n),
        ]),
        await this.purge('sessions', lock, [(n) => this.sessions.deleteDeadBatch(n, sessionMarkerTtlSeconds(this.config.accessTokenTtl))]),
      ];
      const durationMs = Date.now() - started;
      this.logger.log(`Token cleanup done in ${durationMs} ms`);
      return { status: 'done', tables, durationMs };
    } catch (err) {
      return this.failed(err);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }

  private async purge(
    table: CleanupTable,
    lock: RedisLock,
    passes: ((limit: number) => Promise<number>)[],
  ): Promise<TableReport> {
    const started = Date.now();
    const limit = this.config.cleanupBatchSize;
    let deleted = 0;
    let batches = 0;
    for (const deleteBatch of passes) {
      for (;;) {
        const count = await deleteBatch(limit);
        batches++;
        deleted += count;
        this.metrics.cleanupRowsDeleted.inc({ table }, count);
        if (count < limit) break;
        if (this.stopping) throw new Error('interrupted by shutdown');
        if (!(await lock.extend())) throw new Error('cleanup lock lost');
        if (this.config.cleanupPauseMs > 0) await sleep(this.config.cleanupPauseMs);
      }
    }
    const report = { table, deleted, batches, durationMs: Date.now() - started };
    this.logger.log(`Token cleanup: ${table} deleted=${deleted} batches=${batches} duration_ms=${report.durationMs}`);
    return report;
  }

  private skipped(reason: string): CleanupResult {
    this.logger.log(`Token cleanup skipped: ${reason}`);
    return { status: 'skipped', reason };
  }

  private failed(err: unknown): CleanupResult {
    const error = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0].slice(0, 200)}` : String(err);
    this.logger.error(`Token cleanup failed: ${error}`);
    return { status: 'failed', error };
  }
}
