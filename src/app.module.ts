import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthModule } from './auth/auth.module';
import { appConfig } from './config/app.config';
import { authConfig, dpopConfig, mfaConfig, throttleConfig } from './config/auth.config';
import { databaseConfig } from './config/database.config';
import { acceptEnvironment } from './config/env.validation';
import { mailConfig } from './config/mail.config';
import { redisConfig } from './config/redis.config';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { LifecycleModule } from './lifecycle/shutdown-tasks';
import { MetricsModule } from './metrics/metrics.module';
import { PrismaModule } from './prisma/prisma.module';
import { RedisModule } from './redis/redis.module';

@Module({
  imports: [
    ConfigModule.forRoot({
      isGlobal: true,
      // The real environment wins over .env. Checked once; each config file builds its typed
      // settings from that result (never from raw process.env strings).
      envFilePath: '.env',
      ignoreEnvFile: process.env.NODE_ENV === 'test',
      validate: acceptEnvironment,
      load: [appConfig, authConfig, throttleConfig, dpopConfig, mfaConfig, databaseConfig, redisConfig, mailConfig],
    }),
    // Always loaded: TokenCleanupService decides whether to schedule (never under NODE_ENV=test).
    ScheduleModule.forRoot(),
    LoggingModule,
    LifecycleModule,
    MetricsModule,
    PrismaModule,
    RedisModule,
    AuthModule,
    HealthModule,
  ],
})
export class AppModule {}
