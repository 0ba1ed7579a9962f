import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { HttpArgumentsHost } from '@nestjs/common/interfaces';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DpopProofException } from '../dpop/dpop-proof.exception';
import { DpopProofVerifier } from '../dpop/dpop-proof.verifier';
import { AccessTokenClaims, AccessTokenService } from './access-token.service';
import { TokenBlacklistService } from './token-blacklist.service';

export interface AuthenticatedUser {
  userId: string;
  sessionId: string;
  tokenId: string;
}

export type AuthenticatedRequest = FastifyRequest & { user: AuthenticatedUser };

interface Credentials {
  asDpop: boolean;
  token: string;
}

/**
 * `Authorization: Bearer <jwt>` or `DPoP <jwt>`; schemes are case-insensitive (RFC 9110 §11.1).
 * The token's form is jsonwebtoken's to check (three base64url parts, else refused): the regular
 * expression over the whole header this replaced cost every guarded request 0.3-0.4 us, ten times
 * this (BENCHMARKS.md, "Guard and shutdown hook, trimmed").
 */
function credentialsOf(header: string | undefined): Credentials | null {
  if (header === undefined) return null;
  const space = header.indexOf(' ');
  if (space === -1) return null;
  const scheme = header.slice(0, space).toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'dpop') return null;
  return { asDpop: scheme === 'dpop', token: header.slice(space + 1) };
}

/**
 * Protects a route with an access token: signature and expiry, then one Redis lookup so a
 * token of an ended session stops working at once, not at `exp`. A DPoP-bound token (login
 * with a proof) also needs the `DPoP` scheme and a proof of its key for this request.
 * Redis unreachable → 503. Use it anywhere in the monolith: `@UseGuards(AccessTokenGuard)`.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly blacklist: TokenBlacklistService,
    private readonly dpop: DpopProofVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const credentials = credentialsOf(req.headers.authorization);
    const claims = credentials && this.accessTokens.verify(credentials.token);
    if (!claims) throw new UnauthorizedException('Missing or invalid access token');
    // First, as it may throw at once (wrong scheme). Most tokens are unbound: only a bound one
    // waits for its proof, beside the Redis lookup.
    const proof = this.checkSender(http, credentials.asDpop, credentials.token, claims);
    const revoked = this.blacklist.isSessionRevoked(claims.sid);
    if (proof ? (await Promise.all([revoked, proof]))[0] : await revoked) throw new UnauthorizedException('Session has ended');
    req.user = { userId: claims.sub, sessionId: claims.sid, tokenId: claims.jti };
    return true;
  }

  /**
   * A bound token only as `DPoP` with a proof by its key (RFC 9449 §7); an unbound one only as
   * `Bearer`. Null: nothing to wait for (an unbound token); else the proof's check.
   */
  private checkSender(http: HttpArgumentsHost, asDpop: boolean, token: string, claims: AccessTokenClaims): Promise<void> | null {
    const boundKey = claims.cnf?.jkt;
    if (!boundKey) {
      if (asDpop) throw new DpopProofException('invalid_token', 'This access token is not DPoP-bound: send it as Bearer');
      return null;
    }
    if (!asDpop) throw new DpopProofException('invalid_token', 'This access token is DPoP-bound: send it as "Authorization: DPoP" with a proof');
    return this.checkProof(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), token, claims, boundKey);
  }

  private async checkProof(req: FastifyRequest, reply: FastifyReply, token: string, claims: AccessTokenClaims, boundKey: string): Promise<void> {
    const key = await this.dpop.requireKey(req, reply, token);
    if (key !== boundKey) {
      throw this.dpop.reject(req, 'wrong_key', 'DPoP proof is signed by another key than the token is bound to', {
        userId: claims.sub,
        sessionId: claims.sid,
      });
    }
  }
}
