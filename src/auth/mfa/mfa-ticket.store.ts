import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mfaConfig, MfaConfig } from '../../config/auth.config';
import { RedisService } from '../../redis/redis.service';
import { generateOpaqueToken, isWellFormedToken } from '../tokens/token-crypto';

/**
 * MFA login tickets: what the password step hands out instead of tokens when the account has
 * a second factor. Random 256-bit, kept in Redis only as a hash, short-lived, single use, and
 * dead after MFA ticket failures; every instance sees the same tickets.
 *
 * Keys: `mfa:t:<sha256>` → user id; `mfa:f:<sha256>` → failures so far.
 */
@Injectable()
export class MfaTicketStore {
  constructor(
    private readonly redis: RedisService,
    @Inject(mfaConfig.KEY) private readonly config: MfaConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.ticketTtlSeconds;
  }

  async issue(userId: string): Promise<string> {
    const ticket = generateOpaqueToken();
    await this.redis.client.set(ticketKey(ticket), userId, 'EX', this.config.ticketTtlSeconds);
    return ticket;
  }

  /** The user a live ticket belongs to, or null. */
  async find(ticket: unknown): Promise<string | null> {
    if (!isWellFormedToken(ticket)) return null;
    return this.redis.client.get(ticketKey(ticket));
  }

  /** Counts a wrong code; the ticket dies with the last allowed failure. */
  async fail(ticket: string): Promise<void> {
    const key = failuresKey(ticket);
    const failures = await this.redis.client.incr(key);
    await this.redis.client.expire(key, this.config.ticketTtlSeconds);
    if (failures >= this.config.ticketMaxFailures) await this.redis.client.del(ticketKey(ticket));
  }

  /** Spends the ticket; false if another request spent it first. */
  async consume(ticket: string): Promise<boolean> {
    return (await this.redis.client.del(ticketKey(ticket))) === 1;
  }
}

const digest = (ticket: string) => createHash('sha256').update(ticket).digest('hex');
const ticketKey = (ticket: string) => `mfa:t:${digest(ticket)}`;
const failuresKey = (ticket: string) => `mfa:f:${digest(ticket)}`;
