import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { authConfig, AuthConfig } from '../../config/auth.config';
import { MailService } from '../../mail/mail.service';
import { UsersRepository } from '../../users/users.repository';
import type { ClientContext } from '../client-context.decorator';
import { SecurityEventsService } from '../security-events.service';
import { AuthThrottleService } from '../throttling/auth-throttle.service';
import { findByAnyHash, generateOpaqueToken, isWellFormedToken, TokenKeyring } from '../tokens/token-crypto';
import { EmailVerificationRepository } from './email-verification.repository';

const INVALID_VERIFICATION_TOKEN = 'Verification link is invalid, used or expired';

/**
 * Proof that an address belongs to the account's owner: a single-use link mailed at
 * registration (and again on request). Mails go out after the response, so neither the
 * answer nor its timing says whether an address has an account.
 */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger(EmailVerificationService.name);
  private readonly keys: TokenKeyring;

  constructor(
    private readonly users: UsersRepository,
    private readonly verifications: EmailVerificationRepository,
    private readonly throttle: AuthThrottleService,
    private readonly mail: MailService,
    private readonly securityEvents: SecurityEventsService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {
    this.keys = TokenKeyring.forPurpose(config.refreshTokenSecret, config.refreshTokenSecretPrevious, 'email-verification/v1');
  }

  /**
   * After a registration attempt, in the background: once `account` settles, a new account gets
   * its verification link; an address that already had one (enumeration-safe mode only) gets a
   * notice that someone tried to sign up with it.
   */
  afterRegistration(email: string, account: Promise<{ id: string } | null>): void {
    const work = account.then((created) => (created ? this.sendLink(created.id, email) : this.mailSignupAttempt(email)));
    void work.catch((err: Error) => this.logger.error(`Registration failed after its answer: ${err.message}`));
  }

  /** Spends a mailed token: the address is verified. */
  async verify(token: string, ctx: ClientContext): Promise<void> {
    if (!isWellFormedToken(token)) throw new BadRequestException(INVALID_VERIFICATION_TOKEN);
    // A link mailed before REFRESH_TOKEN_SECRET rotated is stored under the previous secret.
    const spent = await findByAnyHash(this.keys.hashes(token), (hash) => this.verifications.spend(hash));
    if (!spent) throw new BadRequestException(INVALID_VERIFICATION_TOKEN);
    const userId = spent.found;
    this.securityEvents.emailVerified({ userId, ip: ctx.ip, userAgent: ctx.userAgent, requestId: ctx.requestId });
  }

  /** Mails a new link to an unverified account; the same answer whatever the address. */
  async resend(email: string, ctx: ClientContext): Promise<void> {
    if (!(await this.throttle.consumeVerificationResend(email, ctx.ip))) return;
    void this.users
      .findCredentials(email)
      .then((user) => (user && !user.emailVerified ? this.sendLink(user.id, email) : undefined))
      .catch((err: Error) => this.logger.error(`Verification resend failed: ${err.message}`));
  }

  private async sendLink(userId: string, email: string): Promise<void> {
    const token = generateOpaqueToken();
    await this.verifications.replace(userId, this.keys.current.hash(token), this.config.emailVerificationTtl);
    const link = `${this.mail.appUrl}/verify-email?token=${token}`;
    const hours = Math.round(this.config.emailVerificationTtl / 3600);
    this.mail.send({
      to: email,
      subject: 'Confirm your email address',
      text: `Confirm that this address belongs to your new account: ${link}\n\nThe link works once, for ${hours} hours. If you did not sign up, ignore this mail.`,
      html: `<p>Confirm that this address belongs to your new account.</p><p><a href="${link}">Confirm my email address</a></p><p>The link works once, for ${hours} hours. If you did not sign up, ignore this mail.</p>`,
    });
  }

  private mailSignupAttempt(email: string): void {
    const forgot = `${this.mail.appUrl}/forgot-password`;
    this.mail.send({
      to: email,
      subject: 'Someone tried to sign up with your address',
      text: `Someone tried to create an account with this address, which already has one. If it was you, sign in, or set a new password: ${forgot}\n\nIf it was not you, ignore this mail: nothing changed.`,
      html: `<p>Someone tried to create an account with this address, which already has one.</p><p>If it was you, sign in, or <a href="${forgot}">set a new password</a>.</p><p>If it was not you, ignore this mail: nothing changed.</p>`,
    });
  }
}
