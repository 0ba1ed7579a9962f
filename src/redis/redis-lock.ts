import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis.service';

// Compare-and-act: only the holder may extend or release the lock.
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A lock with expiry shared by every instance: if its holder dies, it frees itself after
 * `ttlMs`. Long holders call `extend()` as they make progress.
 */
export class RedisLock {
  private readonly owner = randomUUID();

  constructor(
    private readonly client: RedisClient,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async acquire(): Promise<boolean> {
    return (await this.client.set(this.key, this.owner, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  async extend(): Promise<boolean> {
    return (await this.client.eval(EXTEND, 1, this.key, this.owner, this.ttlMs)) === 1;
  }

  async release(): Promise<void> {
    await this.client.eval(RELEASE, 1, this.key, this.owner);
  }
}
