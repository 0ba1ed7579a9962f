import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { authConfig, AuthConfig } from '../../config/auth.config';
import { MailService } from '../../mail/mail.service';
import { UsersRepository } from '../../users/users.repository';
import type { ClientContext } from '../client-context.decorator';
import { SessionRevocationService } from '../tokens/session-revocation.service';
import { findByAnyHash, generateOpaqueToken, isWellFormedToken, TokenKeyring } from '../tokens/token-crypto';
import { SecurityEventsService } from '../security-events.service';
import { AuthThrottleService } from '../throttling/auth-throttle.service';
import { PasswordHasherService } from './password-hasher.service';
import { passwordProblem } from './password-policy';
import { PasswordResetRepository } from './password-reset.repository';

const INVALID_RESET_TOKEN = 'Reset token is invalid, used or expired';

/** Forgotten-password reset and password change; both end sessions like a logout. */
@Injectable()
export class PasswordService {
  private readonly logger = new Logger(PasswordService.name);
  private readonly keys: TokenKeyring;

  constructor(
    private readonly users: UsersRepository,
    private readonly resets: PasswordResetRepository,
    private readonly passwords: PasswordHasherService,
    private readonly revocation: SessionRevocationService,
    private readonly throttle: AuthThrottleService,
    private readonly mail: MailService,
    private readonly securityEvents: SecurityEventsService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {
    // Its own key: a reset-token hash never equals a refresh-token hash.
    this.keys = TokenKeyring.forPurpose(config.refreshTokenSecret, config.refreshTokenSecretPrevious, 'password-reset/v1');
  }

  /**
   * Always the same answer, at the same speed: the lookup, the token and the mail happen after
   * the response, so neither body nor timing tells whether the email has an account.
   */
  async requestReset(email: string, ctx: ClientContext): Promise<void> {
    if (!(await this.throttle.consumeForgot(email, ctx.ip))) return; // same answer, no mail
    void this.issueReset(email, ctx).catch((err: Error) => this.logger.error(`Password reset request failed: ${err.message}`));
  }

  private async issueReset(email: string, ctx: ClientContext): Promise<void> {
    const user = await this.users.findCredentials(email);
    this.securityEvents.passwordResetRequested({
      userId: user?.id,
      accountFound: !!user,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      requestId: ctx.requestId,
    });
    if (!user) return;
    const token = generateOpaqueToken();
    await this.resets.replace(user.id, this.keys.current.hash(token), this.config.passwordResetTtl);
    const link = `${this.mail.appUrl}/reset-password?token=${token}`;
    const minutes = Math.round(this.config.passwordResetTtl / 60);
    this.mail.send({
      to: email,
      subject: 'Reset your password',
      text: `Someone asked to reset the password of this account.\n\nSet a new password: ${link}\n\nThe link works once, for ${minutes} minutes. If it was not you, ignore this mail.`,
      html: `<p>Someone asked to reset the password of this account.</p><p><a href="${link}">Set a new password</a></p><p>The link works once, for ${minutes} minutes. If it was not you, ignore this mail.</p>`,
    });
  }

  /** Sets a new password with a mailed token; every session of the user ends. */
  async resetPassword(token: string, password: string): Promise<void> {
    if (!isWellFormedToken(token)) throw new BadRequestException(INVALID_RESET_TOKEN);
    // A link mailed before REFRESH_TOKEN_SECRET rotated is stored under the previous secret.
    const usable = await findByAnyHash(this.keys.hashes(token), (hash) => this.resets.findUsable(hash));
    if (!usable) throw new BadRequestException(INVALID_RESET_TOKEN);
    const { hash, found: owner } = usable;
    // A weak password does not spend the token: the user may try another.
    const problem = passwordProblem(password, owner.email);
    if (problem) throw new BadRequestException(problem);
    const userId = await this.users.setPasswordSpendingReset(hash, await this.passwords.hash(password));
    if (!userId) throw new BadRequestException(INVALID_RESET_TOKEN);
    await this.revocation.endAllSessions(userId, 'password_reset');
  }

  /** Changes the password of a signed-in user; the user's other sessions end, this one stays. */
  async changePassword(userId: string, sessionId: string, current: string, next: string, ctx: ClientContext): Promise<void> {
    const user = await this.confirmPassword(userId, current, ctx);
    const problem = passwordProblem(next, user.email);
    if (problem) throw new BadRequestException(problem);
    await this.users.setPasswordRetiringResets(userId, await this.passwords.hash(next));
    await this.revocation.endAllSessions(userId, 'password_change', sessionId);
  }

  /**
   * A signed-in user's password, asked again before a sensitive change (password, second
   * factor). Guessing it through a stolen access token counts as failed logins. 400 if wrong.
   */
  async confirmPassword(userId: string, password: string, ctx: ClientContext): Promise<{ email: string }> {
    const user = await this.users.findCredentialsById(userId);
    if (!user) throw new BadRequestException('Account no longer exists');
    const attempt = await this.throttle.beginPasswordAttempt(user.email, ctx.ip);
    if (!(await this.passwords.verify(user.passwordHash, password))) {
      await attempt.failed();
      throw new BadRequestException('Current password is incorrect');
    }
    await attempt.succeeded();
    return { email: user.email };
  }
}
