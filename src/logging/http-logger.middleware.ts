import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';

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
 * One access-log record per request (pino-http) with the request id (`req.id`, also echoed in
 * X-Request-Id and carried by security events). The query string is dropped: it may hold a
 * token (a reset link pasted into the wrong place, say). Below `info` (LOG_LEVEL=warn/error)
 * there is no access log to write, so only the id is set: pino-http's per-request work costs
 * about a fifth of a guarded request's throughput (BENCHMARKS.md).
 */
export function httpLogger(logger: Pino) {
  if (!logger.isLevelEnabled('info')) {
    return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
      (req as IncomingMessage & { id: string }).id = requestId(req, res);
      next();
    };
  }
  return pinoHttp({
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
}
