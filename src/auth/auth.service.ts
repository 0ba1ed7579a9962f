import { BadRequestException, ConflictException, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthMetrics } from './auth-metrics';
import { UserDto } from '../users/dto/user.dto';
import { UsersRepository } from '../users/users.repository';
import { PasswordHasherService } from './passwords/password-hasher.service';
import { passwordProblem } from './passwords/password-policy';
import { AuthThrottleService } from './throttling/auth-throttle.service';
import { SecurityEventsService } from './security-events.service';
import type { ClientContext } from './client-context.decorator';
import { INVALID_REFRESH_TOKEN, RefreshTokenRotationService, TokenPair } from './tokens/refresh-token-rotation.service';
import { SessionRevocationService } from './tokens/session-revocation.service';

const INVALID_CREDENTIALS = 'Invalid email or password';

/** Sign-up, sign-in and sign-out use cases. */
@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasherService,
    private readonly rotation: RefreshTokenRotationService,
    private readonly revocation: SessionRevocationService,
    private readonly securityEvents: SecurityEventsService,
    private readonly throttle: AuthThrottleService,
    private readonly metrics: AuthMetrics,
  ) {}

  async register(email: string, password: string, ctx: ClientContext): Promise<UserDto> {
    await this.throttle.consumeRegister(ctx.ip);
    const problem = passwordProblem(password, email);
    if (problem) throw new BadRequestException(problem);
    const user = await this.users.create(email, await this.passwords.hash(password));
    if (!user) throw new ConflictException('Email is already registered');
    return user;
  }

  /**
   * One message and (through the dummy hash) one timing for unknown email and wrong password.
   * `dpopKey`: the key the request proved (DPoP); the new session is bound to it.
   */
  login(email: string, password: string, ctx: ClientContext, dpopKey: string | null = null): Promise<TokenPair> {
    return this.metrics.timeLogin(() => this.verifyAndStartSession(email, password, ctx, dpopKey));
  }

  private async verifyAndStartSession(email: string, password: string, ctx: ClientContext, dpopKey: string | null): Promise<TokenPair> {
    const attempt = await this.throttle.beginPasswordAttempt(email, ctx.ip);
    const user = await this.users.findCredentials(email);
    if (!(await this.passwords.verify(user?.passwordHash ?? null, password)) || !user) {
      await attempt.failed();
      this.securityEvents.loginFailed({ userId: user?.id, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId });
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    await attempt.succeeded();
    return this.rotation.startSession(user.id, ctx, dpopKey);
  }

  /**
   * Ends the session the refresh token belongs to (the live token, or one a stale tab rotated
   * inside the grace window). Repeating it is harmless (markers are rewritten). A session
   * bound to a DPoP key ends only for a proof of that key (`dpopKey`).
   */
  async logout(refreshToken: unknown, ctx: ClientContext, dpopKey: string | null = null): Promise<void> {
    const owner = await this.rotation.sessionToEnd(refreshToken, ctx, dpopKey);
    if (!owner) throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    await this.revocation.endSession(owner.userId, owner.sessionId, 'logout');
  }

  async logoutAll(userId: string): Promise<void> {
    await this.revocation.endAllSessions(userId, 'logout_all');
  }

  async me(userId: string): Promise<UserDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new UnauthorizedException('Account no longer exists');
    return user;
  }
}
