import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DependencyUnavailableException, isInfrastructureUnavailable } from './infrastructure-errors';
import { lingerOnUnreadBody } from './lingering-close';
import { hasResponseHeaders } from './response-headers';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/**
 * Every error leaves as `{statusCode, error, message}`. Unknown errors become a bare 500
 * (or 503 when Postgres/Redis is unreachable) and are logged by class and message only:
 * no stack, parameters or request bodies reach a response or a log line.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception);
    if (reply.sent) return;
    lingerOnUnreadBody(host.switchToHttp().getRequest<FastifyRequest>(), reply);
    if (hasResponseHeaders(exception)) reply.headers(exception.responseHeaders);
    reply.status(body.statusCode).header('Content-Type', 'application/json; charset=utf-8').send(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (!(exception instanceof HttpException) && isInfrastructureUnavailable(exception)) {
      this.logger.warn(`Dependency unavailable: ${describe(exception)}`);
      exception = new DependencyUnavailableException();
    }
    if (exception instanceof HttpException) return fromHttpException(exception);
    const status = requestParsingStatus(exception);
    if (status) return errorBody(status, requestParsingMessage(status));
    this.logger.error(`Unhandled error: ${describe(exception)}`);
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  let message: unknown = typeof response === 'string' ? response : (response as any)?.message;
  if (Array.isArray(message)) message = message.join('; ');
  if (typeof message !== 'string' || !message) message = STATUS_CODES[status] ?? 'Error';
  return errorBody(status, message as string);
}

/**
 * Fastify's own request errors (malformed or empty JSON, body too large, unsupported content
 * type, poisoned `__proto__` keys) carry an `FST_` code and a 4xx status. Their messages are
 * replaced: some quote the offending input.
 */
function requestParsingStatus(err: any): number | undefined {
  const status = err?.statusCode;
  return typeof err?.code === 'string' && err.code.startsWith('FST_') && Number.isInteger(status) && status >= 400 && status < 500
    ? status
    : undefined;
}

function requestParsingMessage(status: number): string {
  if (status === 413) return 'Request body is too large';
  if (status === 415) return 'Unsupported content type: send application/json';
  return 'Malformed request body';
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message.split('\n')[0].slice(0, 200)}`;
  return typeof err;
}
