import { Inject, Injectable, LoggerService } from '@nestjs/common';
import type { Logger as Pino } from 'pino';

export const PINO = Symbol('PINO');

type Level = 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService on pino: one JSON record per line, `context` from Nest's Logger. An
 * object message (security events) becomes the record's fields. No AsyncLocalStorage for the
 * request id: on Node 20 it turns on promise hooks for every promise of every request; events
 * that need the id carry it explicitly (`requestId`).
 */
@Injectable()
export class JsonLogger implements LoggerService {
  constructor(@Inject(PINO) private readonly pino: Pino) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const logger = this.pino;
    if (!logger.isLevelEnabled(level)) return;
    // Nest's Logger appends its context as the last parameter; error() may put a stack before it.
    const context = typeof params.at(-1) === 'string' ? (params.pop() as string) : undefined;
    const stack = level === 'error' && typeof params[0] === 'string' ? (params.shift() as string) : undefined;
    if (message instanceof Error) {
      logger[level]({ context, err: message }, message.message);
    } else if (message && typeof message === 'object') {
      logger[level]({ context, ...message });
    } else {
      logger[level]({ context, stack, ...(params.length ? { params } : {}) }, String(message));
    }
  }
}
