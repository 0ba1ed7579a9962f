import { Global, Module } from '@nestjs/common';
import pino from 'pino';
import { appConfig, AppConfig } from '../config/app.config';
import { JsonLogger, PINO } from './json-logger.service';

/**
 * Where log lines go: JSON on stdout; readable lines instead when a person is watching (stdout
 * is a terminal, outside production); a capturing stream in tests.
 */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/**
 * One readable line per record, for a person at a terminal. pino-pretty is required here, not
 * imported: a server whose logs go to a collector never loads it (0.3 MiB of heap).
 */
function readableLines(): pino.DestinationStream {
  const pinoPretty = require('pino-pretty') as typeof import('pino-pretty');
  return pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true });
}

/** Nest's level names → pino's. */
const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' } as const;

/**
 * Anything that can carry a credential is censored wherever it appears in a log record:
 * request and response headers, and password or token fields of any logged object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  // A DPoP proof is single use, but within its window it is as good as the request it signs.
  'req.headers.dpop',
  'res.headers["set-cookie"]',
  ...['password', 'currentPassword', 'newPassword', 'token', 'refreshToken', 'accessToken'].flatMap((field) => [
    field,
    `*.${field}`,
    `*.*.${field}`,
  ]),
];

/**
 * Structured JSON logs with pino. Not nestjs-pino: it keeps one pino-http instance per
 * process, so two app instances in one process (the tests, the many-instance test) would
 * share one destination; this module gives every app its own logger.
 */
@Global()
@Module({
  providers: [
    {
      provide: LOG_DESTINATION,
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig) =>
        process.stdout.isTTY && config.nodeEnv !== 'production' ? readableLines() : pino.destination({ fd: 1, sync: false }),
    },
    {
      provide: PINO,
      inject: [appConfig.KEY, LOG_DESTINATION],
      useFactory: (config: AppConfig, destination: pino.DestinationStream) =>
        pino({ level: PINO_LEVELS[config.logLevel], redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination),
    },
    JsonLogger,
  ],
  exports: [PINO, JsonLogger],
})
export class LoggingModule {}
