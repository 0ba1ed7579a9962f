import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from './logging/json-logger.service';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter } from './app.setup';
import { appConfig, AppConfig } from './config/app.config';
import { enableGracefulShutdown } from './lifecycle/graceful-shutdown';

async function bootstrap(): Promise<void> {
  // Importing AppModule validated the environment, so the config factory reads checked values.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(appConfig()), {
    bufferLogs: true, // start-up lines wait for the JSON logger
  });
  await configureApp(app);
  const { port, shutdownGraceMs } = app.get<AppConfig>(appConfig.KEY);
  // Every interface, IPv4 and IPv6 (Fastify alone would listen on localhost only).
  await app.listen(port, '::');
  enableGracefulShutdown(app, shutdownGraceMs);
  app.get(JsonLogger).log(`Listening on port ${port}`, 'Bootstrap');
}

bootstrap().catch((err: Error) => {
  // Configuration errors name the variable; print the message, not a stack.
  console.error(err.message);
  process.exit(1);
});
