import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterRedis, RateLimiterRes } from './redis-rate-limiter';
import { TooManyRequestsException } from '../../common/too-many-requests.exception';
import { throttleConfig, ThrottleConfig } from '../../config/auth.config';
import { AuthMetrics } from '../auth-metrics';
import { RedisService } from '../../redis/redis.service';

/** A password check that has taken its throttle points; settle it with its outcome. */
export interface PasswordAttempt {
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

/**
 * Brute-force limits in Redis (rate-limiter-flexible), shared by every instance. Counters
 * live in fixed windows and expire with them. Redis unreachable → the check throws and the
 * request gets 503: fail closed.
 *
 * Password guesses: a point is taken atomically *before* the (slow) verification, so parallel
 * requests cannot all pass a read-then-count check, and given back when the password is right.
 * The hard limits (429) are per account and client address, and per client address; across
 * all addresses an account is only slowed down, so nobody can lock its owner out.
 */
@Injectable()
export class AuthThrottleService {
  private readonly loginByAccountAndClient: RateLimiterRedis;
  private readonly loginByClient: RateLimiterRedis;
  private readonly loginByAccount: RateLimiterRedis;
  private readonly forgotByEmail: RateLimiterRedis;
  private readonly forgotByClient: RateLimiterRedis;
  private readonly registerByClient: RateLimiterRedis;
  private readonly verifyResendByEmail: RateLimiterRedis;
  private readonly verifyResendByClient: RateLimiterRedis;
  private readonly mfaByAccount: RateLimiterRedis;

  constructor(
    redis: RedisService,
    private readonly metrics: AuthMetrics,
    @Inject(throttleConfig.KEY) private readonly config: ThrottleConfig,
  ) {
    const limiter = (keyPrefix: string, points: number, duration: number) =>
      new RateLimiterRedis({ storeClient: redis.client, keyPrefix, points, duration, insuranceLimiter: undefined });
    this.loginByAccountAndClient = limiter('rl:login:account-client', config.loginFailuresPerAccount, config.loginWindow);
    this.loginByClient = limiter('rl:login:ip', config.loginFailuresPerIp, config.loginWindow);
    this.loginByAccount = limiter('rl:login:account', config.loginFailuresPerAccount, config.loginWindow);
    this.forgotByEmail = limiter('rl:forgot:email', config.forgotPerEmail, config.forgotWindow);
    this.forgotByClient = limiter('rl:forgot:ip', config.forgotPerIp, config.forgotWindow);
    this.registerByClient = limiter('rl:register:ip', config.registerPerIp, config.registerWindow);
    this.verifyResendByEmail = limiter('rl:verify-resend:email', config.verifyResendPerEmail, config.verifyResendWindow);
    this.verifyResendByClient = limiter('rl:verify-resend:ip', config.verifyResendPerIp, config.verifyResendWindow);
    this.mfaByAccount = limiter('rl:mfa:account', config.mfaFailuresPerAccount, config.mfaWindow);
  }

  /**
   * Takes the points of one password guess for `email` from `ip` (429 when either hard limit is
   * used up), then waits LOGIN_SLOWDOWN_MS if the account has had too many failures from
   * anywhere. Used by login and by the current-password check of a password change.
   */
  async beginPasswordAttempt(email: string, ip: string | null): Promise<PasswordAttempt> {
    const client = ip ?? 'unknown';
    const accountAndClient = `${email}|${client}`;
    await this.consumeAll('login', [
      [this.loginByAccountAndClient, accountAndClient],
      [this.loginByClient, client],
    ]);
    const accountWide = await this.loginByAccount.get(email);
    if (accountWide && accountWide.consumedPoints >= this.loginByAccount.points) {
      this.metrics.throttled.inc({ limit: 'login_slowdown' });
      await sleep(this.config.loginSlowdownMs);
    }
    return {
      succeeded: async () => {
        await Promise.all([this.loginByAccountAndClient.delete(accountAndClient), this.loginByClient.reward(client, 1), this.loginByAccount.delete(email)]);
      },
      failed: async () => {
        await this.loginByAccount.penalty(email, 1);
      },
    };
  }

  /**
   * Counts a reset request. Over the per-address limit: 429. Over the per-email limit: false,
   * and the caller sends nothing but answers as usual, so a stranger cannot block the owner's
   * reset (nor learn anything from the answer).
   */
  consumeForgot(email: string, ip: string | null): Promise<boolean> {
    return this.consumeMailRequest('password_forgot', [this.forgotByClient, this.forgotByEmail], email, ip);
  }

  /** Counts a request to mail a verification link again, as consumeForgot does. */
  consumeVerificationResend(email: string, ip: string | null): Promise<boolean> {
    return this.consumeMailRequest('verify_resend', [this.verifyResendByClient, this.verifyResendByEmail], email, ip);
  }

  /**
   * Takes the point of one second-factor guess for the account before the code is checked
   * (429 when MFA_MAX_FAILURES_PER_ACCOUNT are used up), given back when the code is right.
   */
  async beginSecondFactorAttempt(userId: string): Promise<PasswordAttempt> {
    await this.consumeAll('mfa', [[this.mfaByAccount, userId]]);
    return {
      succeeded: async () => void (await this.mfaByAccount.reward(userId, 1)),
      failed: async () => undefined, // the point stays taken
    };
  }

  /** Over the per-address limit: 429; over the per-email limit: false (answer as usual, mail nothing). */
  private async consumeMailRequest(limit: string, [byClient, byEmail]: [RateLimiterRedis, RateLimiterRedis], email: string, ip: string | null): Promise<boolean> {
    await this.consumeAll(limit, [[byClient, ip ?? 'unknown']]);
    try {
      await byEmail.consume(email);
      return true;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      this.metrics.throttled.inc({ limit: `${limit}_email` });
      return false;
    }
  }

  /** Counts a registration attempt per client address: each costs an argon2 hash and answers whether an email is taken. */
  async consumeRegister(ip: string | null): Promise<void> {
    await this.consumeAll('register', [[this.registerByClient, ip ?? 'unknown']]);
  }

  /**
   * Takes one point from each limiter, atomically per key. If any refuses, the points the
   * others gave are returned and the request gets 429.
   */
  private async consumeAll(limit: string, entries: [RateLimiterRedis, string][]): Promise<void> {
    const results = await Promise.allSettled(entries.map(([limiter, key]) => limiter.consume(key)));
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (!refused.length) return;
    await Promise.all(entries.map(([limiter, key], i) => (results[i].status === 'fulfilled' ? limiter.reward(key, 1) : undefined)));
    const unavailable = refused.find((reason) => !(reason instanceof RateLimiterRes));
    if (unavailable) throw unavailable;
    this.metrics.throttled.inc({ limit });
    throw new TooManyRequestsException(retryAfter(refused as RateLimiterRes[]));
  }
}

function retryAfter(results: RateLimiterRes[]): number {
  return Math.max(1, ...results.map((r) => Math.ceil(r.msBeforeNext / 1000)));
}
