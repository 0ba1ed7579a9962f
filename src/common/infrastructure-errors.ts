import { ServiceUnavailableException } from '@nestjs/common';

/** Postgres / Redis errors that mean "cannot decide right now", answered with 503. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'P1001', // can't reach database server
  'P1002',
  'P1008', // operation timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
  '53300', // too_many_connections (a pooler or server at its limit)
]);

/** SQLSTATE classes: 08 connection exception, 57P0x shutdown / crash / starting up / recovery. */
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3])$/;

const UNAVAILABLE_MESSAGES = [
  /Connection is closed/i,
  /enableOfflineQueue/i,
  /Reached the max retries per request/i,
  /Command timed out/i,
  /Connection terminated/i,
  /terminating connection/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Can't reach database server/i,
  /Server has closed the connection/i,
];

/**
 * Looks through the error and everything it wraps: Prisma puts the driver's error under
 * `meta.driverAdapterError` and the Postgres SQLSTATE under its `cause.originalCode`
 * (e.g. `57P03` "the database system is starting up" after a crash), `pg` and ioredis put
 * theirs under `cause` or on the error itself.
 */
export function isInfrastructureUnavailable(err: unknown): boolean {
  const pending: unknown[] = [err];
  for (let seen = 0; pending.length && seen < 12; seen++) {
    const e: any = pending.shift();
    if (!e || typeof e !== 'object') continue;
    const codes = [e.code, e.originalCode, e.meta?.code, e.kind];
    if (codes.some((c) => typeof c === 'string' && (UNAVAILABLE_CODES.has(c) || UNAVAILABLE_SQLSTATE.test(c)))) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message))) return true;
    if (e.name === 'MaxRetriesPerRequestError') return true;
    pending.push(e.cause, e.meta?.driverAdapterError);
  }
  return false;
}

export class DependencyUnavailableException extends ServiceUnavailableException {
  constructor() {
    super('A backing service is unavailable; try again shortly');
  }
}
