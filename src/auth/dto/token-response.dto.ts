export interface TokenResponseDto {
  accessToken: string;
  tokenType: 'Bearer';
  /** Access-token lifetime in seconds. */
  expiresIn: number;
  /** Only with `X-Token-Transport: body`; browsers get the cookie instead. */
  refreshToken?: string;
}
