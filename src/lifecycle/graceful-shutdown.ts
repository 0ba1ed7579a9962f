import { INestApplication, Logger } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger as Pino } from 'pino';
import { PINO } from '../logging/json-logger.service';
import { ShutdownTasks } from './shutdown-tasks';

interface ConnectionState {
  inFlight: number;
  served: number;
}

/**
 * SIGTERM/SIGINT in an order that loses no accepted request. Nest's own shutdown hooks close
 * Prisma and Redis *before* the HTTP server, which fails every request still in flight; here
 * the server stops accepting first, in-flight requests finish (up to `graceMs`), and only then
 * does app.close() stop the cron job and close Postgres and Redis.
 */
export function enableGracefulShutdown(app: INestApplication, graceMs: number, signals = ['SIGTERM', 'SIGINT']): void {
  const logger = new Logger('Shutdown');
  const server = app.getHttpServer() as Server;
  const pino = app.get<Pino>(PINO);
  let shuttingDown = false;
  const connections = trackConnections(server, () => shuttingDown);

  const shutdown = async (signal: string): Promise<void> => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal}: shutting down, in-flight requests get ${graceMs} ms`);
    await Promise.all([drain(server, connections, graceMs, logger), app.get(ShutdownTasks).stopAll()]);
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

/** Requests in flight per connection; once shutting down, each connection closes after its response. */
function trackConnections(server: Server, shuttingDown: () => boolean): Map<Socket, ConnectionState> {
  const connections = new Map<Socket, ConnectionState>();
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { inFlight: 0, served: 0 });
    socket.once('close', () => connections.delete(socket));
  });
  // One listener function for every response rather than a closure per request: this runs on
  // every request of the process.
  function onResponseClosed(this: ServerResponse): void {
    const socket = this.req.socket;
    const state = connections.get(socket);
    if (!state) return; // the connection closed first
    state.inFlight--;
    state.served++;
    if (shuttingDown() && state.inFlight === 0) socket.end();
  }
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = connections.get(req.socket);
    if (!state) return;
    state.inFlight++;
    if (shuttingDown()) res.setHeader('Connection', 'close');
    res.on('close', onResponseClosed);
  });
  return connections;
}

/**
 * Stops listening and resolves when every connection is gone, or after `graceMs`.
 * - Connections the kernel completed before the signal may still wait in the listen backlog
 *   (a busy event loop accepts them late, libuv one per turn); closing the listener would reset
 *   them, so Node accepts them first.
 * - Node's `server.close()` also drops "idle" connections, and a connection whose request has
 *   arrived but is not parsed yet counts as idle: that request would be lost. So only
 *   keep-alive connections waiting after a finished request are ended here; fresh ones get
 *   their one answer, with `Connection: close`.
 */
async function drain(server: Server, connections: Map<Socket, ConnectionState>, graceMs: number, logger: Logger): Promise<void> {
  await acceptBacklog(server);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      for (const socket of connections.keys()) socket.destroy();
      resolve();
    }, graceMs);
    NetServer.prototype.close.call(server, () => {
      clearTimeout(timer);
      resolve();
    });
    for (const [socket, state] of connections) if (state.served > 0 && state.inFlight === 0) socket.end();
    const inFlight = [...connections.values()].reduce((n, c) => n + c.inFlight, 0);
    logger.log(`Not accepting connections; ${connections.size} open, ${inFlight} requests in flight`);
  });
}

/** Turns the event loop until a turn accepts no new connection (bounded): the backlog is empty. */
async function acceptBacklog(server: Server, maxTurns = 1000): Promise<void> {
  let accepted = 0;
  const count = () => accepted++;
  server.on('connection', count);
  try {
    for (let turn = 0, before = -1; turn < maxTurns && accepted !== before; turn++) {
      before = accepted;
      await nextTurn();
      await nextTurn();
    }
  } finally {
    server.off('connection', count);
  }
}
