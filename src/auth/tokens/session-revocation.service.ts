import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ShutdownTasks } from '../../lifecycle/shutdown-tasks';
import { RedisService } from '../../redis/redis.service';
import { SecurityEventsService } from '../security-events.service';
import { RevocationScope, SessionRepository } from '../sessions/session.repository';
import type { RevocationReason } from './revocation-reason';
import { TokenBlacklistService } from './token-blacklist.service';

/** Written once per Redis data set; its absence means the data set is new. */
export const DATA_MARKER_KEY = 'redis-data-since';


/**
 * Ends sessions everywhere at once: Postgres first (the source of truth: no refresh can
 * succeed after this commits), then Redis (blacklist for the refresh tokens, markers that
 * stop the sessions' access tokens). If Redis fails the error reaches the caller as 503;
 * repeating the call is safe and rewrites the markers.
 */
@Injectable()
export class SessionRevocationService implements OnModuleInit {
  private readonly logger = new Logger(SessionRevocationService.name);
  private recovering: Promise<void> = Promise.resolve();

  constructor(
    private readonly sessions: SessionRepository,
    private readonly blacklist: TokenBlacklistService,
    private readonly redis: RedisService,
    private readonly securityEvents: SecurityEventsService,
    private readonly shutdown: ShutdownTasks,
  ) {}

  /**
   * Redis keeps nothing on disk in many deployments: after it restarts empty, the markers of
   * recently ended sessions are rewritten from Postgres so their access tokens stay dead.
   */
  onModuleInit(): void {
    this.redis.client.on('ready', () => this.recover());
    this.recover(); // the first 'ready' came before this module's init
    // A command that ends at once (`npm run sessions:end`) must not close Redis and Postgres
    // under a recovery still running: it would fail half-done, with a warning.
    this.shutdown.register(SessionRevocationService.name, () => this.recovering);
  }

  private recover(): void {
    this.recovering = Promise.all([this.recovering, this.recoverAfterConnect()]).then(() => undefined);
  }

  /** On every (re)connection: rebuild the markers, and tell an operator if Redis lost its data. */
  async recoverAfterConnect(): Promise<void> {
    const emptied = await this.detectDataLoss();
    const restored = await this.restoreSessionMarkers();
    if (emptied) this.securityEvents.redisDataLoss({ sessionMarkersRestored: restored });
  }

  /**
   * A key written once and never expiring: missing while Postgres has sessions means Redis
   * restarted empty or was flushed. Markers come back from Postgres; blacklist entries of
   * rotated tokens whose rows the cleanup job already purged do not, so reuse of those can no
   * longer be recognised. Of several instances reconnecting at once, one reports it (SET NX).
   */
  async detectDataLoss(): Promise<boolean> {
    try {
      const firstWrite = (await this.redis.client.set(DATA_MARKER_KEY, new Date().toISOString(), 'NX')) === 'OK';
      return firstWrite && (await this.sessions.anySessionExists());
    } catch (err) {
      this.logger.warn(`Could not check Redis for data loss: ${(err as Error).message}`);
      return false;
    }
  }

  async restoreSessionMarkers(): Promise<number> {
    try {
      const ids = await this.sessions.sessionsRevokedWithin(this.blacklist.sessionMarkerTtlSeconds);
      await this.blacklist.addRevoked([], ids);
      return ids.length;
    } catch (err) {
      this.logger.warn(`Could not restore session revocation markers: ${(err as Error).message}`);
      return 0;
    }
  }

  async endSession(userId: string, sessionId: string, reason: RevocationReason): Promise<void> {
    await this.end({ userId, sessionId }, reason);
  }

  /** Every session of the user, or every one but `exceptSessionId`. Returns the sessions ended. */
  async endAllSessions(userId: string, reason: RevocationReason, exceptSessionId?: string): Promise<string[]> {
    return this.end({ userId, exceptSessionId }, reason);
  }

  private async end(scope: RevocationScope, reason: RevocationReason): Promise<string[]> {
    const revoked = await this.sessions.endSessions(scope, reason);
    await this.blacklist.addRevoked(revoked.tokens, revoked.sessionIds);
    this.securityEvents.sessionsRevoked({
      userId: scope.userId,
      sessionIds: revoked.sessionIds,
      reason,
      scope: 'sessionId' in scope && scope.sessionId ? 'session' : 'user',
    });
    return revoked.sessionIds;
  }
}
