import 'reflect-metadata';
import { Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { appConfig, AppConfig } from './config/app.config';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

async function bootstrap(): Promise<void> {
  const level = (process.env.LOG_LEVEL ?? 'log') as LogLevel;
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false, // configured in configureApp with a size limit
    logger: LEVELS.slice(0, Math.max(1, LEVELS.indexOf(level) + 1)),
  });
  configureApp(app);
  const { port } = app.get<AppConfig>(appConfig.KEY);
  await app.listen(port);
  Logger.log(`Listening on port ${port}`, 'Bootstrap');
}

bootstrap().catch((err: Error) => {
  // Configuration errors name the variable; print the message, not a stack.
  console.error(err.message);
  process.exit(1);
});
