import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AccessTokenService } from './access-token.service';
import { TokenBlacklistService } from './token-blacklist.service';

export interface AuthenticatedUser {
  userId: string;
  sessionId: string;
  tokenId: string;
}

export type AuthenticatedRequest = FastifyRequest & { user: AuthenticatedUser };

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/**
 * Protects a route with an access token: signature and expiry, then one Redis lookup so a
 * token of an ended session stops working at once, not at `exp`. Redis unreachable → 503.
 * Use it anywhere in the monolith: `@UseGuards(AccessTokenGuard)`.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly blacklist: TokenBlacklistService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    const claims = token ? await this.accessTokens.verify(token) : null;
    if (!claims) throw new UnauthorizedException('Missing or invalid access token');
    if (await this.blacklist.isSessionRevoked(claims.sid)) {
      throw new UnauthorizedException('Session has ended');
    }
    req.user = { userId: claims.sub, sessionId: claims.sid, tokenId: claims.jti };
    return true;
  }
}
