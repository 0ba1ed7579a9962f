import { BadRequestException, INestApplication, ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { appConfig, AppConfig } from './config/app.config';

export const JSON_BODY_LIMIT = '16kb';

/** Everything main.ts and the tests both need, so tests exercise the real HTTP stack. */
export function configureApp(app: INestApplication): INestApplication {
  const expressApp = app as NestExpressApplication;
  const config = app.get<AppConfig>(appConfig.KEY);
  expressApp.set('trust proxy', config.trustProxy);
  expressApp.disable('x-powered-by');
  expressApp.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  expressApp.useBodyParser('urlencoded', { limit: JSON_BODY_LIMIT, extended: false });
  app.use(cookieParser());
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
  app.enableShutdownHooks();
  return app;
}
