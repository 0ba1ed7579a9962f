import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { redisConfig, RedisConfig } from '../config/infra.config';

/**
 * The one Redis connection. Commands fail at once while Redis is unreachable (no offline
 * queue), so callers can answer 503 instead of hanging; ioredis keeps reconnecting in the
 * background and the service recovers by itself.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis;

  constructor(@Inject(redisConfig.KEY) config: RedisConfig) {
    this.client = new Redis(config.url, {
      keyPrefix: config.keyPrefix,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
    });
    // Without a listener ioredis prints every failed reconnect; one line per state change is enough.
    let down = false;
    this.client.on('error', (err: Error) => {
      if (!down) this.logger.warn(`Redis unavailable: ${err.message}`);
      down = true;
    });
    this.client.on('ready', () => {
      if (down) this.logger.log('Redis connection restored');
      down = false;
    });
  }

  async onModuleInit(): Promise<void> {
    // Start even when Redis is down: /health reports it and requests that need it get 503.
    await this.client.connect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    this.client.disconnect();
  }

  async ping(): Promise<boolean> {
    return (await this.client.ping().catch(() => null)) === 'PONG';
  }
}
