import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mfaConfig, MfaConfig } from '../../config/auth.config';
import { RedisService } from '../../redis/redis.service';
import type { VerifiedPassword } from '../../users/users.repository';
import { generateOpaqueToken, isWellFormedToken } from '../tokens/token-crypto';

/**
 * MFA login tickets: what the password step hands out instead of tokens when the account has
 * a second factor. Random 256-bit, kept in Redis only as a hash, short-lived, single use, and
 * dead after MFA ticket failures; every instance sees the same tickets. A ticket carries the
 * password stamp its password step saw, so a reset or change in between leaves it unusable.
 *
 * Keys: `mfa:t:<sha256>` → `<user id>.<password stamp, base64url>`; `mfa:f:<sha256>` → failures so far.
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

  async issue(verified: VerifiedPassword): Promise<string> {
    const ticket = generateOpaqueToken();
    const value = `${verified.userId}.${verified.passwordStamp.toString('base64url')}`;
    await this.redis.client.set(ticketKey(ticket), value, 'EX', this.config.ticketTtlSeconds);
    return ticket;
  }

  /** The password check a live ticket stands for, or null. */
  async find(ticket: unknown): Promise<VerifiedPassword | null> {
    if (!isWellFormedToken(ticket)) return null;
    const value = await this.redis.client.get(ticketKey(ticket));
    const [userId, stamp] = value?.split('.') ?? [];
    // Without a stamp (written before tickets had one) the ticket is refused: sign in again.
    return userId && stamp ? { userId, passwordStamp: Buffer.from(stamp, 'base64url') } : null;
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
