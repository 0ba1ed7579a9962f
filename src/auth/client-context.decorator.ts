import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling, as far as the request tells: recorded on sessions and on security events. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
  /** The request's X-Request-Id, for security events (not stored). */
  requestId?: string | null;
}

export function clientContextOf(req: FastifyRequest): ClientContext {
  return {
    ip: req.ip ?? null,
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'].slice(0, 512) : null,
    requestId: req.id ?? null,
  };
}

/** `@Client() client: ClientContext` in a handler: the caller's address, user agent and request id. */
export const Client = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientContext =>
  clientContextOf(ctx.switchToHttp().getRequest<FastifyRequest>()),
);
