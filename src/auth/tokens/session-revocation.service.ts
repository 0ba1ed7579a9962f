import { Injectable } from '@nestjs/common';
import { RefreshTokenRepository, RevocationScope } from './refresh-token.repository';
import { TokenBlacklistService } from './token-blacklist.service';

export type RevocationReason = 'logout' | 'logout_all' | 'reuse' | 'session_revoked' | 'password_reset' | 'password_change';

/**
 * Ends sessions everywhere at once: Postgres first (the source of truth: no refresh can
 * succeed after this commits), then Redis (blacklist for the refresh tokens, markers that
 * stop the sessions' access tokens). If Redis fails the error reaches the caller as 503;
 * repeating the call is safe and rewrites the markers.
 */
@Injectable()
export class SessionRevocationService {
  constructor(
    private readonly tokens: RefreshTokenRepository,
    private readonly blacklist: TokenBlacklistService,
  ) {}

  async endSession(userId: string, sessionId: string, reason: RevocationReason): Promise<void> {
    await this.end({ userId, sessionId }, reason);
  }

  /** Every session of the user, or every one but `exceptSessionId`. Returns the sessions ended. */
  async endAllSessions(userId: string, reason: RevocationReason, exceptSessionId?: string): Promise<string[]> {
    return this.end({ userId, exceptSessionId }, reason);
  }

  private async end(scope: RevocationScope, reason: RevocationReason): Promise<string[]> {
    const revoked = await this.tokens.revoke(scope, reason);
    await this.blacklist.addRevoked(revoked.tokens, revoked.sessionIds);
    return revoked.sessionIds;
  }
}
