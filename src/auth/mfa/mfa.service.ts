import { BadRequestException, ConflictException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { authConfig, AuthConfig, mfaConfig, MfaConfig } from '../../config/auth.config';
import { UsersRepository, VerifiedPassword } from '../../users/users.repository';
import type { ClientContext } from '../client-context.decorator';
import { PasswordService } from '../passwords/password.service';
import { SecurityEventsService } from '../security-events.service';
import { AuthThrottleService } from '../throttling/auth-throttle.service';
import { RefreshTokenRotationService, TokenPair } from '../tokens/refresh-token-rotation.service';
import { SessionRevocationService } from '../tokens/session-revocation.service';
import { TokenHasher } from '../tokens/token-crypto';
import type { MfaChallengeDto, RecoveryCodesDto, SecondFactorDto, TotpEnrolmentDto } from './dto/mfa.dto';
import { MfaRepository } from './mfa.repository';
import { MfaTicketStore } from './mfa-ticket.store';
import { newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes';
import { base32Of, matchingStep, newTotpSecret, totpUri } from './totp';
import { TotpSecretCipher } from './totp-secret-cipher';

const INVALID_TICKET = 'MFA ticket is invalid or expired: sign in again';
const INVALID_CODE = 'Invalid code';

/**
 * The enrolment QR code as a PNG data URL. qrcode (and pngjs) are required at the first
 * enrolment, not at start-up: 0.3 MiB of heap that most processes never use.
 */
const qrCodeOf = (text: string, options: import('qrcode').QRCodeToDataURLOptions): Promise<string> =>
  (require('qrcode') as typeof import('qrcode')).toDataURL(text, options);

/**
 * The TOTP second factor (RFC 6238) with recovery codes: enrolment, the code step of a login,
 * and the changes that need the password and a code. Each code and recovery code works once.
 */
@Injectable()
export class MfaService {
  private readonly cipher: TotpSecretCipher;
  /** New recovery codes are hashed with the first; a code presented is looked up under each. */
  private readonly recoveryHashers: TokenHasher[];

  constructor(
    private readonly factors: MfaRepository,
    private readonly users: UsersRepository,
    private readonly tickets: MfaTicketStore,
    private readonly rotation: RefreshTokenRotationService,
    private readonly revocation: SessionRevocationService,
    private readonly passwords: PasswordService,
    private readonly throttle: AuthThrottleService,
    private readonly securityEvents: SecurityEventsService,
    @Inject(mfaConfig.KEY) private readonly config: MfaConfig,
    @Inject(authConfig.KEY) auth: AuthConfig,
  ) {
    this.cipher = new TotpSecretCipher(config.encryptionSecret);
    // Recovery codes are keyed like the TOTP secrets, so that REFRESH_TOKEN_SECRET can rotate
    // without them. Codes made before were keyed by REFRESH_TOKEN_SECRET (the same key unless
    // MFA_ENCRYPTION_KEY is set), and by it or its previous value they are still found.
    const secrets = [config.encryptionSecret, auth.refreshTokenSecret, auth.refreshTokenSecretPrevious].filter((s): s is string => s !== null);
    this.recoveryHashers = [...new Set(secrets)].map((secret) => TokenHasher.forPurpose(secret, 'mfa-recovery-code/v1'));
  }

  /** A new pending secret for the signed-in user; enabled only by a valid code (confirmEnrolment). */
  async startEnrolment(userId: string): Promise<TotpEnrolmentDto> {
    const user = await this.users.findById(userId);
    if (!user) throw new UnauthorizedException('Account no longer exists');
    const secret = newTotpSecret();
    if (!(await this.factors.savePending(userId, this.cipher.encrypt(secret, userId)))) {
      throw new ConflictException('A second factor is already enabled: disable it first');
    }
    const otpauthUri = totpUri(secret, this.config.issuer, user.email);
    return { secret: base32Of(secret), otpauthUri, qrCode: await qrCodeOf(otpauthUri, { errorCorrectionLevel: 'M', margin: 2 }) };
  }

  /** The first valid code enables the factor; the ten recovery codes are shown this once. */
  async confirmEnrolment(userId: string, code: string, ctx: ClientContext): Promise<RecoveryCodesDto> {
    const factor = await this.factors.findFactor(userId);
    if (!factor || factor.enabled) throw new BadRequestException('No enrolment in progress: start one first');
    const step = matchingStep(this.cipher.decrypt(factor.secret, userId), code);
    if (step === null) throw new BadRequestException(INVALID_CODE);
    const codes = newRecoveryCodes();
    if (!(await this.factors.enable(userId, step, this.hashAll(codes)))) throw new BadRequestException('No enrolment in progress: start one first');
    this.securityEvents.mfa('mfa_enrolled', { userId, ...ctx });
    return { recoveryCodes: codes };
  }

  /** The password was right and the account has a factor: a ticket instead of tokens. */
  async challenge(verified: VerifiedPassword): Promise<MfaChallengeDto> {
    return { mfaRequired: true, mfaTicket: await this.tickets.issue(verified), expiresIn: this.tickets.ttlSeconds };
  }

  /**
   * The code step of a login: a ticket and a code (or recovery code) open the session. Failures
   * count per account (429 past MFA_MAX_FAILURES_PER_ACCOUNT) and per ticket (dead after five).
   */
  async completeLogin(ticket: unknown, factor: SecondFactorDto, ctx: ClientContext, dpopKey: string | null): Promise<TokenPair> {
    const verified = await this.tickets.find(ticket);
    if (!verified) throw new UnauthorizedException(INVALID_TICKET);
    const { userId } = verified;
    const attempt = await this.throttle.beginSecondFactorAttempt(userId);
    const method = await this.checkSecondFactor(userId, factor);
    if (!method) {
      await attempt.failed();
      await this.tickets.fail(ticket as string);
      this.securityEvents.mfa('mfa_failed', { userId, ...ctx, method: factor.recoveryCode !== undefined ? 'recovery_code' : 'totp' });
      throw new UnauthorizedException(INVALID_CODE);
    }
    if (!(await this.tickets.consume(ticket as string))) throw new UnauthorizedException(INVALID_TICKET);
    await attempt.succeeded();
    this.securityEvents.mfa('mfa_verified', { userId, ...ctx, method });
    const pair = await this.rotation.startSession(verified, ctx, dpopKey);
    if (pair) return pair;
    // The password was reset or changed since the ticket's password step.
    this.securityEvents.loginFailed({ userId, reason: 'password_changed', ...ctx });
    throw new UnauthorizedException(INVALID_TICKET);
  }

  /** Removes the factor; needs the password and a code; the user's other sessions end. */
  async disable(userId: string, sessionId: string, input: SecondFactorDto & { password: string }, ctx: ClientContext): Promise<void> {
    await this.confirmChange(userId, input, ctx);
    await this.factors.disable(userId);
    await this.revocation.endAllSessions(userId, 'mfa_disabled', sessionId);
    this.securityEvents.mfa('mfa_disabled', { userId, ...ctx });
  }

  /** Ten new recovery codes (the old ones stop working); the user's other sessions end. */
  async regenerateRecoveryCodes(userId: string, sessionId: string, input: SecondFactorDto & { password: string }, ctx: ClientContext): Promise<RecoveryCodesDto> {
    await this.confirmChange(userId, input, ctx);
    const codes = newRecoveryCodes();
    await this.factors.replaceRecoveryCodes(userId, this.hashAll(codes));
    await this.revocation.endAllSessions(userId, 'mfa_recovery_codes_regenerated', sessionId);
    this.securityEvents.mfa('mfa_recovery_codes_regenerated', { userId, ...ctx });
    return { recoveryCodes: codes };
  }

  private async confirmChange(userId: string, input: SecondFactorDto & { password: string }, ctx: ClientContext): Promise<void> {
    await this.passwords.confirmPassword(userId, input.password, ctx);
    const factor = await this.factors.findFactor(userId);
    if (!factor?.enabled) throw new BadRequestException('No second factor is enabled');
    const attempt = await this.throttle.beginSecondFactorAttempt(userId);
    if (!(await this.checkSecondFactor(userId, input))) {
      await attempt.failed();
      this.securityEvents.mfa('mfa_failed', { userId, ...ctx, method: input.recoveryCode !== undefined ? 'recovery_code' : 'totp' });
      throw new BadRequestException(INVALID_CODE);
    }
    await attempt.succeeded();
  }

  /** Which factor the input proves, spending it (a code's time step, or the recovery code); null if none. */
  private async checkSecondFactor(userId: string, input: SecondFactorDto): Promise<'totp' | 'recovery_code' | null> {
    if (input.recoveryCode !== undefined) {
      const code = normalizeRecoveryCode(input.recoveryCode);
      const used = await this.factors.useRecoveryCode(userId, this.recoveryHashers.map((hasher) => hasher.hash(code)));
      return used ? 'recovery_code' : null;
    }
    if (input.code === undefined) return null;
    const factor = await this.factors.findFactor(userId);
    if (!factor?.enabled) return null;
    const step = matchingStep(this.cipher.decrypt(factor.secret, userId), input.code);
    return step !== null && (await this.factors.acceptStep(userId, step)) ? 'totp' : null;
  }

  private hashAll(codes: string[]): Buffer[] {
    return codes.map((code) => this.recoveryHashers[0].hash(normalizeRecoveryCode(code)));
  }
}
