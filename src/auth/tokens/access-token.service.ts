import { Inject, Injectable } from '@nestjs/common';
import { JwtService, JwtVerifyOptions } from '@nestjs/jwt';
import { createSecretKey, randomUUID } from 'node:crypto';
import { authConfig, AuthConfig } from '../../config/auth.config';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  /** DPoP-bound token (RFC 9449 §6): the thumbprint of the key every request must prove. */
  cnf?: { jkt: string };
  /** JWT_ISSUER and JWT_AUDIENCE, when set (checked by JwtService's verifyOptions). */
  iss?: string;
  aud?: string;
}

/** Tolerated clock difference between instances; a token "issued" later than this is forged. */
const CLOCK_SKEW_SECONDS = 60;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Short-lived HS256 JWTs. Revocation is not here: the guard checks Redis markers. Signing and
 * verifying are synchronous on purpose: with a KeyObject they are a few microseconds of CPU
 * either way, and JwtService's async variants add promise chains and, for signing,
 * jsonwebtoken's stream-based path (about 3 KB of garbage per token; BENCHMARKS.md).
 */
@Injectable()
export class AccessTokenService {
  /** JWT_ACCESS_SECRET_PREVIOUS, with the module's checks: tokens signed before the rotation. */
  private readonly previousKey: JwtVerifyOptions | null;

  constructor(
    private readonly jwt: JwtService,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {
    const previous = config.jwtAccessSecretPrevious;
    // A KeyObject, like the module's key (auth.module.ts); JwtVerifyOptions' type names only
    // strings and Buffers, but jsonwebtoken takes it.
    const key = previous === null ? null : (createSecretKey(Buffer.from(previous)) as unknown as Buffer);
    this.previousKey = key && { ...accessTokenVerifyOptions(config), secret: key };
  }

  get ttlSeconds(): number {
    return this.config.accessTokenTtl;
  }

  /**
   * `dpopKey`: the session's key thumbprint, carried as `cnf.jkt` (the token is then DPoP-bound).
   * The registered claims are written into the payload rather than passed as sign options:
   * JwtService merges per-call options by deleting keys from a copy, which leaves jsonwebtoken a
   * slow dictionary-mode object (9 µs a token instead of 5; BENCHMARKS.md). HS256 comes from
   * the module's signOptions.
   */
  sign(userId: string, sessionId: string, dpopKey: string | null = null): string {
    const issuedAt = Math.floor(Date.now() / 1000);
    const claims: AccessTokenClaims = {
      sub: userId,
      sid: sessionId,
      jti: randomUUID(),
      iat: issuedAt,
      exp: issuedAt + this.config.accessTokenTtl,
    };
    if (dpopKey) claims.cnf = { jkt: dpopKey };
    if (this.config.jwtIssuer !== null) claims.iss = this.config.jwtIssuer;
    if (this.config.jwtAudience !== null) claims.aud = this.config.jwtAudience;
    return this.jwt.sign(claims);
  }

  /**
   * Returns the claims, or null for any token that is not ours, not HS256, expired or incomplete
   * (or, when configured, of another issuer or audience).
   */
  verify(token: string): AccessTokenClaims | null {
    try {
      // HS256 only: the module's verifyOptions (auth.module.ts).
      return this.checked(this.jwt.verify<AccessTokenClaims>(token));
    } catch {
      return this.previousKey === null ? null : this.verifyWithPreviousKey(token);
    }
  }

  /** Only for tokens the current key refused, and only while JWT_ACCESS_SECRET rotates. */
  private verifyWithPreviousKey(token: string): AccessTokenClaims | null {
    try {
      return this.checked(this.jwt.verify<AccessTokenClaims>(token, this.previousKey!));
    } catch {
      return null;
    }
  }

  private checked(claims: AccessTokenClaims): AccessTokenClaims | null {
    const valid =
      typeof claims.sub === 'string' && UUID.test(claims.sub) &&
      typeof claims.sid === 'string' && UUID.test(claims.sid) &&
      typeof claims.jti === 'string' && typeof claims.exp === 'number' &&
      typeof claims.iat === 'number' && claims.iat <= Date.now() / 1000 + CLOCK_SKEW_SECONDS &&
      (claims.cnf === undefined || (typeof claims.cnf?.jkt === 'string' && THUMBPRINT.test(claims.cnf.jkt)));
    return valid ? claims : null;
  }
}

/**
 * What every access token must pass besides its signature: HS256 only, and when configured
 * JWT_ISSUER and JWT_AUDIENCE (written by `sign`, refused by jsonwebtoken when absent or other).
 */
export function accessTokenVerifyOptions(config: AuthConfig): JwtVerifyOptions {
  return {
    algorithms: ['HS256'],
    ...(config.jwtIssuer !== null && { issuer: config.jwtIssuer }),
    ...(config.jwtAudience !== null && { audience: config.jwtAudience }),
  };
}
