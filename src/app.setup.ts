import { BadRequestException, INestApplication, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { answerClientErrorsAsJson } from './common/client-errors';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { appConfig, AppConfig } from './config/app.config';
import { serveOpenApi } from './docs/openapi';
import { httpLogger } from './logging/http-logger.middleware';
import { JsonLogger, PINO } from './logging/json-logger.service';

export const JSON_BODY_LIMIT = '16kb';

/** Everything main.ts and the tests both need, so tests exercise the real HTTP stack. */
export function configureApp(app: INestApplication): INestApplication {
  const expressApp = app as NestExpressApplication;
  const config = app.get<AppConfig>(appConfig.KEY);
  app.useLogger(app.get(JsonLogger));
  app.use(httpLogger(app.get(PINO))); // first, so every response is logged with its request id
  // Client addresses for throttling and the sessions list come through this many proxies.
  expressApp.set('trust proxy', config.trustProxy);
  expressApp.disable('x-powered-by');
  // An API answers JSON, never HTML: strict headers fit (Swagger UI included). HSTS one year
  // with subdomains, no referrer, and a CSP that forbids framing, plugins and <base>.
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { 'base-uri': ["'none'"], 'object-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
      strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  // Only the SPA origins may read responses with credentials; others get no CORS headers.
  app.enableCors({
    origin: config.allowedOrigins,
    credentials: true,
    allowedHeaders: ['Content-Type', 'Authorization', 'X-Token-Transport', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
  expressApp.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  expressApp.useBodyParser('urlencoded', { limit: JSON_BODY_LIMIT, extended: false });
  app.use(cookieParser());
  answerClientErrorsAsJson(app.getHttpServer());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      transform: true,
      stopAtFirstError: true,
      exceptionFactory: (errors) =>
        new BadRequestException(errors.flatMap((e) => Object.values(e.constraints ?? {})).join('; ') || 'Invalid input'),
    }),
  );
  if (config.docsEnabled) serveOpenApi(app);
  return app;
}
