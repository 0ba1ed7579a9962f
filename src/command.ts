import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { ShutdownTasks } from './lifecycle/shutdown-tasks';
import { JsonLogger } from './logging/json-logger.service';

/**
 * Runs one operator command in the application's context (its config, Postgres and Redis; no
 * HTTP server) and exits with the command's code: 1 and the message on an error.
 */
export function runCommand(command: (app: INestApplicationContext) => Promise<number>): void {
  const main = async (): Promise<number> => {
    const app = await NestFactory.createApplicationContext(AppModule, { bufferLogs: true });
    app.useLogger(app.get(JsonLogger));
    try {
      return await command(app);
    } finally {
      // As on SIGTERM (graceful-shutdown.ts): work the features started ends before Postgres and Redis close.
      await app.get(ShutdownTasks).stopAll();
      await app.close();
    }
  };
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
