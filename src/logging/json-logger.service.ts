import { Inject, Injectable, LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger as Pino } from 'pino';

export const PINO = Symbol('PINO');

/** The request's child logger (carrying its request id) while a request is being handled. */
export const requestLogger = new AsyncLocalStorage<Pino>();

type Level = 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService on pino: one JSON record per line, `context` from Nest's Logger, the
 * request id from the request being handled. An object message (security events) becomes the
 * record's fields.
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
    const logger = requestLogger.getStore() ?? this.pino;
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
