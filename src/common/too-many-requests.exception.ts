import { HttpException, HttpStatus } from '@nestjs/common';

/** 429 that tells the client when to try again (the filter sets `Retry-After`). */
export class TooManyRequestsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super('Too many attempts; try again later', HttpStatus.TOO_MANY_REQUESTS);
  }
}
