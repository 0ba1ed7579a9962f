import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestLogger } from './json-logger.service';

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Keeps a caller's X-Request-Id when it is sane, otherwise makes one; echoes it back. */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Probed every few seconds by orchestrators and scrapers: no access-log line each. */
const QUIET_PATHS = new Set(['/health/live', '/health', '/metrics']);

const pathOf = (url: string | undefined) => (url ?? '').split('?')[0];

/**
 * One access-log record per request (pino-http), with the request id; app logs written while
 * the request is handled carry the same id. The query string is dropped: it may hold a token
 * (a reset link pasted into the wrong place, say).
 */
export function httpLogger(logger: Pino) {
  const middleware = pinoHttp({
    logger,
    genReqId: requestId,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    autoLogging: { ignore: (req) => QUIET_PATHS.has(pathOf(req.url)) },
    quietReqLogger: true,
    serializers: {
      req: (req: { id: string; method: string; url?: string; headers: object; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        path: pathOf(req.url),
        headers: req.headers,
        remoteAddress: req.remoteAddress,
      }),
    },
  });
  return (req: IncomingMessage, res: ServerResponse, next: () => void) =>
    middleware(req, res, () => requestLogger.run((req as IncomingMessage & { log: Pino }).log, next));
}
