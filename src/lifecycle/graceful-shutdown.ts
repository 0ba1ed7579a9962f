import { INestApplication, Logger } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Logger as Pino } from 'pino';
import { TokenCleanupService } from '../auth/cleanup/token-cleanup.service';
import { PINO } from '../logging/json-logger.service';

/**
 * SIGTERM/SIGINT in an order that loses no accepted request. Nest's own shutdown hooks close
 * Prisma and Redis *before* the HTTP server, which would fail every request still in flight;
 * here the server stops accepting first, in-flight requests finish (up to `graceMs`), and only
 * then does app.close() stop the cron job and close Postgres and Redis.
 */
export function enableGracefulShutdown(app: INestApplication, graceMs: number, signals = ['SIGTERM', 'SIGINT']): void {
  const logger = new Logger('Shutdown');
  let shuttingDown = false;
  const server = app.getHttpServer() as Server;
  const pino = app.get<Pino>(PINO);

  // Once shutdown begins, a keep-alive client gets its last answer with `Connection: close`.
  server.on('request', (_req, res) => {
    if (shuttingDown && !res.headersSent) res.setHeader('Connection', 'close');
  });

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal}: draining in-flight requests (at most ${graceMs} ms)`);
    await Promise.all([drain(server, graceMs), app.get(TokenCleanupService).stop()]);
    await app.close();
    logger.log('Stopped: HTTP server, cleanup job, Postgres and Redis closed');
    pino.flush();
    process.exit(0);
  };
  for (const signal of signals) {
    process.once(signal, () => {
      shutdown(signal).catch((err: Error) => {
        logger.error(`Shutdown failed: ${err.message}`);
        process.exit(1);
      });
    });
  }
}

/** Stops accepting connections and resolves when the open ones are done, or after `graceMs`. */
function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
