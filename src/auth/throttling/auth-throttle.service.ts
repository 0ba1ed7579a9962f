import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsException } from '../../common/too-many-requests.exception';
import { throttleConfig, ThrottleConfig } from '../../config/auth.config';
import { MetricsService } from '../../metrics/metrics.service';
import { RedisService } from '../../redis/redis.service';

/**
 * Brute-force limits in Redis (rate-limiter-flexible), shared by every instance. Counters
 * live in fixed windows and expire with them, so a lock-out always ends by itself.
 * Redis unreachable → the check throws and the request gets 503: fail closed.
 */
@Injectable()
export class AuthThrottleService {
  private readonly loginByAccount: RateLimiterRedis;
  private readonly loginByIp: RateLimiterRedis;
  private readonly forgotByEmail: RateLimiterRedis;
  private readonly forgotByIp: RateLimiterRedis;

  constructor(
    redis: RedisService,
    private readonly metrics: MetricsService,
    @Inject(throttleConfig.KEY) config: ThrottleConfig,
  ) {
    const limiter = (keyPrefix: string, points: number, duration: number) =>
      new RateLimiterRedis({ storeClient: redis.client, keyPrefix, points, duration, insuranceLimiter: undefined });
    this.loginByAccount = limiter('rl:login:account', config.loginFailuresPerAccount, config.loginWindow);
    this.loginByIp = limiter('rl:login:ip', config.loginFailuresPerIp, config.loginWindow);
    this.forgotByEmail = limiter('rl:forgot:email', config.forgotPerEmail, config.forgotWindow);
    this.forgotByIp = limiter('rl:forgot:ip', config.forgotPerIp, config.forgotWindow);
  }

  /** Refuses a login attempt while the account or the address has used up its failures. */
  async assertLoginAllowed(email: string, ip: string | null): Promise<void> {
    const [account, address] = await Promise.all([this.loginByAccount.get(email), this.loginByIp.get(ip ?? 'unknown')]);
    const blocked = [account, address].filter(
      (r, i): r is RateLimiterRes => !!r && r.consumedPoints >= [this.loginByAccount, this.loginByIp][i].points,
    );
    if (blocked.length) {
      this.metrics.throttled.inc({ limit: 'login' });
      throw new TooManyRequestsException(retryAfter(blocked));
    }
  }

  async recordLoginFailure(email: string, ip: string | null): Promise<void> {
    await Promise.all([
      this.loginByAccount.penalty(email, 1),
      this.loginByIp.penalty(ip ?? 'unknown', 1),
    ]);
  }

  async recordLoginSuccess(email: string): Promise<void> {
    await this.loginByAccount.delete(email);
  }

  /** Counts a reset request; the one over the limit gets 429. */
  async consumeForgot(email: string, ip: string | null): Promise<void> {
    try {
      await Promise.all([this.forgotByEmail.consume(email), this.forgotByIp.consume(ip ?? 'unknown')]);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        this.metrics.throttled.inc({ limit: 'password_forgot' });
        throw new TooManyRequestsException(retryAfter([err]));
      }
      throw err;
    }
  }
}

function retryAfter(results: RateLimiterRes[]): number {
  return Math.max(1, ...results.map((r) => Math.ceil(r.msBeforeNext / 1000)));
}
