import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '../docs/openapi-decorators';

/** The one error shape of the API (HttpExceptionFilter). */
export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode: number;

  @ApiProperty({ example: 'Unauthorized' })
  error: string;

  @ApiProperty({ example: 'Refresh token is invalid, expired or revoked' })
  message: string;
}

/** Documents the failure statuses of an endpoint, all with the error shape. */
export function ApiErrors(errors: Record<number, string>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) => ApiResponse({ status: Number(status), description, type: ErrorResponseDto })),
  );
}
