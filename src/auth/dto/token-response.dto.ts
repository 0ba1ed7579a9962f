import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256) with sub, sid, jti, iat, exp' })
  accessToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Access-token lifetime in seconds', example: 900 })
  expiresIn: number;

  @ApiPropertyOptional({ description: 'Only with `X-Token-Transport: body`; browsers get the refresh_token cookie instead' })
  refreshToken?: string;
}

/** Mobile clients send the refresh token in the body; browsers send nothing (the cookie). */
export class RefreshTokenBodyDto {
  @ApiPropertyOptional({ description: 'With `X-Token-Transport: body`; otherwise the refresh_token cookie is read' })
  refreshToken?: string;
}
