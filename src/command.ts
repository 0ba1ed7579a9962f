import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
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
