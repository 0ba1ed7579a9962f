import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appConfig, AppConfig } from '../config/app.config';
import { TokenResponseDto } from './dto/token-response.dto';
import type { TokenPair } from './tokens/refresh-token-rotation.service';

export const REFRESH_COOKIE = 'refresh_token';
export const TRANSPORT_HEADER = 'x-token-transport';

/**
 * How a refresh token travels: in an httpOnly cookie (browsers, the default) or in the JSON
 * body when the client sends `X-Token-Transport: body` (mobile apps). Only this class knows.
 */
@Injectable()
export class RefreshTokenTransport {
  private readonly allowedOrigins: Set<string>;

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {
    this.allowedOrigins = new Set(config.allowedOrigins);
  }

  usesBody(req: FastifyRequest): boolean {
    return String(req.headers[TRANSPORT_HEADER] ?? '').toLowerCase() === 'body';
  }

  /** The presented refresh token (unvalidated); a cookie only from an allowed origin. */
  read(req: FastifyRequest): unknown {
    if (this.usesBody(req)) return (req.body as Record<string, unknown> | undefined)?.refreshToken;
    this.assertOriginAllowed(req);
    return req.cookies?.[REFRESH_COOKIE];
  }

  /**
   * Before a response that sets the cookie (a cookie login): a browser request from an origin
   * not in ALLOWED_ORIGINS is refused before anything happens. Otherwise a page elsewhere could
   * sign the victim's browser into the attacker's account (login CSRF).
   */
  assertMaySetCookie(req: FastifyRequest): void {
    if (!this.usesBody(req)) this.assertOriginAllowed(req);
  }

  /**
   * SameSite=Strict already keeps the cookie off cross-site requests; this also covers
   * same-site origins that are not ours. No Origin header: not a browser's cross-origin call.
   */
  assertOriginAllowed(req: FastifyRequest): void {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowedOrigins.has(origin)) {
      throw new ForbiddenException('Origin not allowed');
    }
  }

  /** Writes the pair the way the client asked for it and returns the JSON body. */
  send(req: FastifyRequest, res: FastifyReply, pair: TokenPair): TokenResponseDto {
    res.header('Cache-Control', 'no-store');
    res.header('Pragma', 'no-cache');
    const body: TokenResponseDto = {
      accessToken: pair.accessToken,
      tokenType: pair.dpopJkt ? 'DPoP' : 'Bearer',
      expiresIn: pair.accessTokenTtl,
    };
    if (this.usesBody(req)) return { ...body, refreshToken: pair.refreshToken };
    const maxAgeSeconds = Math.max(0, Math.floor((pair.refreshTokenExpiresAt.getTime() - Date.now()) / 1000));
    res.setCookie(REFRESH_COOKIE, pair.refreshToken, {
      ...this.cookieOptions(),
      maxAge: maxAgeSeconds,
      expires: new Date(Date.now() + maxAgeSeconds * 1000),
    });
    return body;
  }

  clear(res: FastifyReply): void {
    res.header('Cache-Control', 'no-store');
    res.clearCookie(REFRESH_COOKIE, this.cookieOptions());
  }

  private cookieOptions(): CookieSerializeOptions {
    return { httpOnly: true, sameSite: 'strict', path: '/auth', secure: this.config.cookieSecure };
  }
}
