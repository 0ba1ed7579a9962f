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
  '57P01', // admin_shutdown (pg_terminate_backend)
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

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

export function isInfrastructureUnavailable(err: unknown): boolean {
  for (let e: any = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    const codes = [e.code, e.originalCode, e.meta?.code, e.kind, e.cause?.originalCode];
    if (codes.some((c) => typeof c === 'string' && UNAVAILABLE_CODES.has(c))) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((re) => re.test(e.message))) return true;
    if (e.name === 'MaxRetriesPerRequestError') return true;
  }
  return false;
}

export class DependencyUnavailableException extends ServiceUnavailableException {
  constructor() {
    super('A backing service is unavailable; try again shortly');
  }
}
