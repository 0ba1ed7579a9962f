import { HttpException, HttpStatus } from '@nestjs/common';
import type { WithResponseHeaders } from './response-headers';

/** 429 that tells the client when to try again (`Retry-After`). */
export class TooManyRequestsException extends HttpException implements WithResponseHeaders {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many attempts; try again later', HttpStatus.TOO_MANY_REQUESTS);
  }

  get responseHeaders(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}
