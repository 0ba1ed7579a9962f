import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger as Pino } from 'pino';

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Fastify's `genReqId`: keeps a caller's X-Request-Id when it is sane, otherwise makes one. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Probed every few seconds by orchestrators and scrapers: no access-log line each. */
const QUIET_PATHS = new Set(['/health/live', '/health', '/metrics']);

const pathOf = (url: string) => {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
};

/**
 * Writes one access-log record per request when the level allows it (`LOG_LEVEL=log` or more
 * verbose); request and response headers only at `debug`. The request id (`request.id`, also
 * carried by security events and echoed in X-Request-Id) is in every record. The query string is dropped: it may
 * hold a token (a reset link pasted into the wrong place, say). Credentials in headers are
 * censored by the logger's redaction paths.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: Pino): void {
  if (!logger.isLevelEnabled('info')) return;
  const withHeaders = logger.isLevelEnabled('debug');
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const path = pathOf(request.url);
    if (!QUIET_PATHS.has(path)) {
      const level = reply.statusCode >= 500 ? 'error' : 'info';
      const req = { id: request.id, method: request.method, path, remoteAddress: request.ip };
      const res = { statusCode: reply.statusCode };
      logger[level](
        {
          req: withHeaders ? { ...req, headers: request.headers } : req,
          res: withHeaders ? { ...res, headers: reply.getHeaders() } : res,
          responseTime: Math.round(reply.elapsedTime * 100) / 100,
        },
        'request completed',
      );
    }
    done();
  });
}
