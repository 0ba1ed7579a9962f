import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { createServer } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger } from './logging/json-logger.service';
import { AppModule } from './app.module';
import { configureApp, createHttpAdapter, NEST_APP_OPTIONS } from './app.setup';
import { appConfig, AppConfig } from './config/app.config';
import { enableGracefulShutdown } from './lifecycle/graceful-shutdown';

async function bootstrap(): Promise<void> {
  // Importing AppModule validated the environment, so the config factory reads checked values.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(appConfig()), NEST_APP_OPTIONS);
  await configureApp(app);
  const { port, shutdownGraceMs } = app.get<AppConfig>(appConfig.KEY);
  // Every interface (Fastify alone would listen on localhost only), as Node's own default does.
  await app.listen(port, await anyAddress());
  enableGracefulShutdown(app, shutdownGraceMs);
  app.get(JsonLogger).log(`Listening on port ${port}`, 'Bootstrap');
}

/** `::` (IPv6 and IPv4) where the kernel has IPv6, else `0.0.0.0` (kernels booted without it). */
function anyAddress(): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve('0.0.0.0'));
    probe.listen(0, '::', () => probe.close(() => resolve('::')));
  });
}

bootstrap().catch((err: Error) => {
  // Configuration errors name the variable; print the message, not a stack.
  console.error(err.message);
  process.exit(1);
});
