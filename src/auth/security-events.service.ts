import { Injectable, Logger } from '@nestjs/common';

export interface SecurityEventContext {
  userId?: string;
  sessionId?: string;
  ip?: string | null;
  userAgent?: string | null;
}

/**
 * Security events as their own log lines, one JSON object each, so they can be alerted on.
 * Only identifiers and request metadata: never a token, password or secret.
 */
@Injectable()
export class SecurityEventsService {
  private readonly logger = new Logger('SecurityEvent');

  refreshTokenReuse(ctx: SecurityEventContext & { revoked: 'user' | 'session'; sessionsEnded: number }): void {
    this.logger.warn(JSON.stringify({ event: 'refresh_token_reuse_detected', ...ctx }));
  }

  loginFailed(ctx: SecurityEventContext): void {
    this.logger.log(JSON.stringify({ event: 'login_failed', ...ctx }));
  }
}
