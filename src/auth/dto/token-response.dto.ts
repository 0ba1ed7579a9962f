import { ApiProperty, ApiPropertyOptional } from '../../docs/openapi-decorators';

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256) with sub, sid, jti, iat, exp; and cnf.jkt when the session is DPoP-bound' })
  accessToken: string;

  @ApiProperty({
    enum: ['Bearer', 'DPoP'],
    description: '`DPoP` when the login sent a DPoP proof: send the access token as `Authorization: DPoP` with a proof',
  })
  tokenType: 'Bearer' | 'DPoP';

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
