import { INestApplication } from '@nestjs/common';
import fastifyCookie from '@fastify/cookie';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';
import { answerClientErrorAsJson, answerFrameworkErrorAsJson } from './common/client-errors';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { registerResponseHeaders } from './common/http-headers';
import { appConfig, AppConfig } from './config/app.config';
import { DOCS_PATH, serveOpenApi } from './docs/openapi';
import { registerRequestLogging, requestIdOf } from './logging/request-logging';
import { JsonLogger, PINO } from './logging/json-logger.service';

export const JSON_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * Nest's application options for main.ts and the tests. `bodyParser: false`: Nest would add a
 * form (x-www-form-urlencoded) parser, and an HTML form on any site can post that without a
 * CORS preflight (login CSRF); the API reads JSON only (configureApp).
 */
export const NEST_APP_OPTIONS = { bufferLogs: true, bodyParser: false } as const;

/**
 * The HTTP layer: Fastify (a guarded request costs a third of what it did on Express, see
 * BENCHMARKS.md). Its settings must exist before the app does, so main.ts and the tests pass
 * the same app config here.
 */
export function createHttpAdapter(config: Pick<AppConfig, 'trustProxy'>): FastifyAdapter {
  return new FastifyAdapter({
    // Client addresses for throttling and the sessions list come through this many proxies.
    trustProxy: trustedProxies(config.trustProxy),
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    genReqId: requestIdOf,
    requestIdHeader: false, // genReqId validates the caller's X-Request-Id itself
    clientErrorHandler: answerClientErrorAsJson,
    frameworkErrors: answerFrameworkErrorAsJson,
    // Graceful shutdown (src/lifecycle) drains connections before app.close().
    return503OnClosing: false,
  });
}

/** TRUST_PROXY as Express read it: a hop count trusts the nearest N proxies. */
function trustedProxies(setting: AppConfig['trustProxy']): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** Everything main.ts and the tests both need, so tests exercise the real HTTP stack. */
export async function configureApp(app: INestApplication): Promise<NestFastifyApplication> {
  const fastifyApp = app as NestFastifyApplication;
  const config = app.get<AppConfig>(appConfig.KEY);
  const fastify = fastifyApp.getHttpAdapter().getInstance();
  app.useLogger(app.get(JsonLogger));
  registerRequestLogging(fastify, app.get(PINO));
  // Security headers, CORS for ALLOWED_ORIGINS and X-Request-Id, precomputed in one hook.
  registerResponseHeaders(fastify, { allowedOrigins: config.allowedOrigins, docsPath: DOCS_PATH });
  await fastifyApp.register(fastifyCookie);
  // JSON only: any other body (Fastify's built-in text/plain included) is a 415.
  fastify.removeAllContentTypeParsers();
  // An empty body sent as JSON (clients that always set the header) is no body, as on Express;
  // anything else goes through Fastify's parser, which refuses `__proto__`/`constructor` keys.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastifyApp.useBodyParser<RawServerDefault>('application/json', { bodyLimit: JSON_BODY_LIMIT_BYTES }, (req, body, done) =>
    body.length === 0 ? done(null, undefined) : parseJson(req, body.toString('utf8'), done),
  );
  app.useGlobalFilters(new HttpExceptionFilter());
  // No global pipe: each endpoint checks what it reads (@ValidatedBody(), ParseUUIDPipe), which
  // holds in a host app too, and the server-made parameters (@Client(), @CurrentUser()) then
  // cost Nest no awaited pipe step per request.
  if (config.docsEnabled) await serveOpenApi(app);
  return fastifyApp;
}
