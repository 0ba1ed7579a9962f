import { BadRequestException, ConflictException, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { authConfig, AuthConfig } from '../config/auth.config';
import { AuthMetrics } from './auth-metrics';
import { UserDto } from '../users/dto/user.dto';
import { UsersRepository } from '../users/users.repository';
import { PasswordHasherService } from './passwords/password-hasher.service';
import { passwordProblem } from './passwords/password-policy';
import { AuthThrottleService } from './throttling/auth-throttle.service';
import { LoginFailure, SecurityEventsService } from './security-events.service';
import type { ClientContext } from './client-context.decorator';
import { INVALID_REFRESH_TOKEN, RefreshTokenRotationService, TokenPair } from './tokens/refresh-token-rotation.service';
import { EmailVerificationService } from './email/email-verification.service';
import type { MfaChallengeDto } from './mfa/dto/mfa.dto';
import { MfaService } from './mfa/mfa.service';
import { SessionRevocationService } from './tokens/session-revocation.service';

const INVALID_CREDENTIALS = 'Invalid email or password';
/** The SPA shows this and offers to mail the link again (POST /auth/email/resend). */
export const EMAIL_NOT_VERIFIED = 'Email address not verified: follow the link we mailed you, or ask for a new one';

/** A registration: the new account (default mode), or accepted without saying (REQUIRE_VERIFIED_EMAIL). */
export type Registration = { created: UserDto } | { accepted: true };

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
    private readonly emailVerification: EmailVerificationService,
    private readonly mfa: MfaService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  /**
   * Creates the account and mails its verification link. With REQUIRE_VERIFIED_EMAIL the answer
   * comes right after the password hash, before the account is created or found taken (the
   * owner of a taken address is mailed a notice), so neither body nor timing tells who has one.
   */
  async register(email: string, password: string, ctx: ClientContext): Promise<Registration> {
    await this.throttle.consumeRegister(ctx.ip);
    const problem = passwordProblem(password, email);
    if (problem) throw new BadRequestException(problem);
    const passwordHash = await this.passwords.hash(password);
    if (this.config.requireVerifiedEmail) {
      // The insert happens after the response: a successful one commits (a WAL flush) and a
      // taken email's does not, which measured 57 vs 36 ms (BENCHMARKS.md) when done before it.
      this.emailVerification.afterRegistration(email, this.users.create(email, passwordHash));
      return { accepted: true };
    }
    const user = await this.users.create(email, passwordHash);
    if (!user) throw new ConflictException('Email is already registered');
    this.emailVerification.afterRegistration(email, Promise.resolve(user));
    return { created: user };
  }

  /**
   * One message and (through the dummy hash) one timing for unknown email and wrong password.
   * `dpopKey`: the key the request proved (DPoP); the new session is bound to it.
   */
  login(email: string, password: string, ctx: ClientContext, dpopKey: string | null = null): Promise<TokenPair | MfaChallengeDto> {
    return this.metrics.timeLogin(() => this.verifyAndStartSession(email, password, ctx, dpopKey));
  }

  private async verifyAndStartSession(email: string, password: string, ctx: ClientContext, dpopKey: string | null): Promise<TokenPair | MfaChallengeDto> {
    const attempt = await this.throttle.beginPasswordAttempt(email, ctx.ip);
    const user = await this.users.findCredentials(email);
    if (!(await this.passwords.verify(user?.passwordHash ?? null, password)) || !user) {
      await attempt.failed();
      throw this.loginFailed(user?.id, 'invalid_credentials', ctx);
    }
    await attempt.succeeded();
    if (this.config.requireVerifiedEmail && !user.emailVerified) throw new ForbiddenException(EMAIL_NOT_VERIFIED);
    const verified = { userId: user.id, passwordStamp: user.passwordStamp };
    // A second factor: no session yet, a ticket for POST /auth/mfa/verify (a reset password does not skip it).
    if (user.mfaEnabled) return this.mfa.challenge(verified);
    const pair = await this.rotation.startSession(verified, ctx, dpopKey);
    // Null: reset or changed while it was being checked, so the password is no longer right.
    if (!pair) throw this.loginFailed(user.id, 'password_changed', ctx);
    return pair;
  }

  private loginFailed(userId: string | undefined, reason: LoginFailure, ctx: ClientContext): UnauthorizedException {
    this.securityEvents.loginFailed({ userId, reason, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId });
    return new UnauthorizedException(INVALID_CREDENTIALS);
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

  /** Not an async function: on every guarded `/auth/me`, an async layer costs a promise and a microtask. */
  me(userId: string): Promise<UserDto> {
    return this.users.findById(userId).then(existingAccount);
  }
}

function existingAccount(user: UserDto | null): UserDto {
  if (!user) throw new UnauthorizedException('Account no longer exists');
  return user;
}
