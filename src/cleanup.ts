import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { TokenCleanupService } from './auth/cleanup/token-cleanup.service';
import { JsonLogger } from './logging/json-logger.service';

/** `npm run cleanup`: one cleanup run from the command line, no HTTP server. */
async function main(): Promise<number> {
  const app = await NestFactory.createApplicationContext(AppModule, { bufferLogs: true });
  app.useLogger(app.get(JsonLogger));
  try {
    const result = await app.get(TokenCleanupService).run();
    if (result.status === 'done') {
      for (const t of result.tables) console.log(`${t.table}: deleted ${t.deleted} rows in ${t.batches} batches (${t.durationMs} ms)`);
      console.log(`total: ${result.durationMs} ms`);
      return 0;
    }
    console.error(result.status === 'skipped' ? `skipped: ${result.reason}` : `failed: ${result.error}`);
    return result.status === 'skipped' ? 0 : 1;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err.message);
    process.exit(1);
  },
);
