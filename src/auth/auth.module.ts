import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { authConfig } from '../config/auth.config';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { TokenCleanupRepository } from './cleanup/token-cleanup.repository';
import { TokenCleanupService } from './cleanup/token-cleanup.service';
import { AccessTokenGuard } from './guards/access-token.guard';
import { PasswordHasherService } from './passwords/password-hasher.service';
import { RefreshTokenTransport } from './refresh-token.transport';
import { SecurityEventsService } from './security-events.service';
import { AccessTokenService } from './tokens/access-token.service';
import { RefreshTokenRepository } from './tokens/refresh-token.repository';
import { RefreshTokenRotationService } from './tokens/refresh-token-rotation.service';
import { SessionRevocationService } from './tokens/session-revocation.service';
import { TokenBlacklistService } from './tokens/token-blacklist.service';

@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>) => ({
        secret: config.jwtAccessSecret,
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AccessTokenGuard,
    AccessTokenService,
    PasswordHasherService,
    RefreshTokenRepository,
    RefreshTokenRotationService,
    RefreshTokenTransport,
    SecurityEventsService,
    SessionRevocationService,
    TokenBlacklistService,
    TokenCleanupRepository,
    TokenCleanupService,
  ],
  // Everything another module needs to put `@UseGuards(AccessTokenGuard)` on its routes.
  exports: [AccessTokenGuard, AccessTokenService, TokenBlacklistService, SessionRevocationService],
})
export class AuthModule {}
