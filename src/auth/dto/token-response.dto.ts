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

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty()
  lastUsedAt: Date;

  @ApiProperty({ nullable: true, type: String })
  userAgent: string | null;

  @ApiProperty({ nullable: true, type: String })
  ip: string | null;

  @ApiProperty({ description: 'The session of the access token making this request' })
  current: boolean;
}

export class AcceptedDto {
  @ApiProperty({ example: 'If the address has an account, a reset link is on its way' })
  message: string;
}
