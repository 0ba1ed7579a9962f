import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { logLevelsFromEnv } from './common/log-levels';
import { appConfig, AppConfig } from './config/app.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false, // configured in configureApp with a size limit
    logger: logLevelsFromEnv(),
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
