import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JsonLogger } from './logging/json-logger.service';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { appConfig, AppConfig } from './config/app.config';
import { enableGracefulShutdown } from './lifecycle/graceful-shutdown';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false, // configured in configureApp with a size limit
    bufferLogs: true, // start-up lines wait for the JSON logger
  });
  configureApp(app);
  const { port, shutdownGraceMs } = app.get<AppConfig>(appConfig.KEY);
  await app.listen(port);
  enableGracefulShutdown(app, shutdownGraceMs);
  app.get(JsonLogger).log(`Listening on port ${port}`, 'Bootstrap');
}

bootstrap().catch((err: Error) => {
  // Configuration errors name the variable; print the message, not a stack.
  console.error(err.message);
  process.exit(1);
});
