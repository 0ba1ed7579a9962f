import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { createSecretKey } from 'node:crypto';
import { authConfig } from '../config/auth.config';
import { MailModule } from '../mail/mail.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthMetrics } from './auth-metrics';
import { AuthService } from './auth.service';
import { DpopProofVerifier } from './dpop/dpop-proof.verifier';
import { EmailController } from './email/email.controller';
import { EmailVerificationRepository } from './email/email-verification.repository';
import { EmailVerificationService } from './email/email-verification.service';
import { MfaController } from './mfa/mfa.controller';
import { MfaRepository } from './mfa/mfa.repository';
import { MfaService } from './mfa/mfa.service';
import { MfaTicketStore } from './mfa/mfa-ticket.store';
import { TokenCleanupService } from './cleanup/token-cleanup.service';
import { PasswordHasherService } from './passwords/password-hasher.service';
import { PasswordResetRepository } from './passwords/password-reset.repository';
import { PasswordService } from './passwords/password.service';
import { PasswordsController } from './passwords/passwords.controller';
import { RefreshTokenTransport } from './refresh-token.transport';
import { SecurityEventsService } from './security-events.service';
import { SessionRepository } from './sessions/session.repository';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { AuthThrottleService } from './throttling/auth-throttle.service';
import { AccessTokenGuard } from './tokens/access-token.guard';
import { accessTokenVerifyOptions, AccessTokenService } from './tokens/access-token.service';
import { RefreshTokenRepository } from './tokens/refresh-token.repository';
import { RefreshTokenRotationService } from './tokens/refresh-token-rotation.service';
import { SessionRevocationService } from './tokens/session-revocation.service';
import { TokenBlacklistService } from './tokens/token-blacklist.service';

@Module({
  imports: [
    UsersModule,
    MailModule,
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>) => ({
        // A KeyObject, built once: given a string, jsonwebtoken first tries to parse it as a
        // PEM private key on every sign and verify (a quarter of the refresh path's CPU).
        secret: createSecretKey(Buffer.from(config.jwtAccessSecret)),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: accessTokenVerifyOptions(config),
      }),
    }),
  ],
  controllers: [AuthController, EmailController, MfaController, PasswordsController, SessionsController],
  providers: [
    AuthMetrics,
    AuthService,
    AccessTokenGuard,
    AccessTokenService,
    AuthThrottleService,
    DpopProofVerifier,
    EmailVerificationRepository,
    EmailVerificationService,
    MfaRepository,
    MfaService,
    MfaTicketStore,
    PasswordHasherService,
    PasswordResetRepository,
    PasswordService,
    SessionRepository,
    SessionsService,
    RefreshTokenRepository,
    RefreshTokenRotationService,
    RefreshTokenTransport,
    SecurityEventsService,
    SessionRevocationService,
    TokenBlacklistService,
    TokenCleanupService,
  ],
  // Everything another module needs to put `@UseGuards(AccessTokenGuard)` on its routes.
  exports: [AccessTokenGuard, AccessTokenService, DpopProofVerifier, TokenBlacklistService, SessionRevocationService],
})
export class AuthModule {}
