import { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import { REFRESH_COOKIE } from '../auth/refresh-token.transport';
import { loadOpenApiDecorators } from './openapi-decorators';

export const DOCS_PATH = 'docs';

/**
 * The OpenAPI document, built from the controllers' and DTOs' decorators. @nestjs/swagger loads
 * here, only when docs are served (openapi-decorators.ts says why).
 */
export async function buildOpenApiDocument(app: INestApplication): Promise<OpenAPIObject> {
  const { DocumentBuilder, SwaggerModule } = loadOpenApiDecorators();
  const config = new DocumentBuilder()
    .setTitle('Refresh-token auth API')
    .setDescription(
      'Short-lived JWT access tokens and rotating opaque refresh tokens with reuse detection. ' +
        'Browsers get the refresh token in the httpOnly `refresh_token` cookie; mobile clients send ' +
        '`X-Token-Transport: body` and get and send it in the JSON body. Every error is ' +
        '`{statusCode, error, message}`.',
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'access-token')
    .addCookieAuth(REFRESH_COOKIE, { type: 'apiKey', in: 'cookie', name: REFRESH_COOKIE }, 'refresh-cookie')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI at /docs and the JSON at /docs-json. */
export async function serveOpenApi(app: INestApplication): Promise<void> {
  const document = await buildOpenApiDocument(app);
  const { SwaggerModule } = loadOpenApiDecorators();
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json` });
}
