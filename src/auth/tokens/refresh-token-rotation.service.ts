import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { authConfig, AuthConfig } from '../../config/auth.config';
import { AuthMetrics } from '../auth-metrics';
import { DpopProofException } from '../dpop/dpop-proof.exception';
import { SecurityEventsService } from '../security-events.service';
import { AccessTokenService } from './access-token.service';
import type { ClientContext } from '../client-context.decorator';
import { SessionRepository } from '../sessions/session.repository';
import type { VerifiedPassword } from '../../users/users.repository';
import { RefreshTokenRepository, TokenRecord } from './refresh-token.repository';
import { SessionRevocationService } from './session-revocation.service';
import { generateOpaqueToken, isWellFormedToken, TokenHasher, TokenKeyring } from './token-crypto';
import { BlacklistEntry, TokenBlacklistService } from './token-blacklist.service';

export interface TokenPair {
  accessToken: string;
  accessTokenTtl: number;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  userId: string;
  sessionId: string;
  /** Thumbprint of the DPoP key the session is bound to (the access token's `cnf.jkt`); null: unbound. */
  dpopJkt: string | null;
}

/** One message for every unusable refresh token: the response is no oracle for an attacker. */
export const INVALID_REFRESH_TOKEN = 'Refresh token is invalid, expired or revoked';

/** A retired token, from Postgres or (after its row was purged) from the Redis blacklist. */
interface RetiredToken {
  userId: string;
  sessionId: string;
  secondsSinceRotation: number;
}

/** The session a token belongs to, as far as its binding goes. */
interface TokenOwner {
  userId: string;
  sessionId: string;
  dpopJkt: string | null;
}

/**
 * The refresh-token lifecycle: issue at login, rotate on refresh, and tell a benign
 * concurrent replay (grace window) from theft (reuse), which ends the user's sessions.
 */
@Injectable()
export class RefreshTokenRotationService {
  private readonly logger = new Logger(RefreshTokenRotationService.name);
  /** REFRESH_TOKEN_SECRET's and, while it rotates, the previous secret's hashers. */
  private readonly keys: TokenKeyring;
  /** `keys.current`: issues and finds tokens on the hot path. */
  private readonly hasher: TokenHasher;

  constructor(
    private readonly repository: RefreshTokenRepository,
    private readonly sessions: SessionRepository,
    private readonly blacklist: TokenBlacklistService,
    private readonly revocation: SessionRevocationService,
    private readonly accessTokens: AccessTokenService,
    private readonly securityEvents: SecurityEventsService,
    private readonly metrics: AuthMetrics,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {
    this.keys = TokenKeyring.of(config.refreshTokenSecret, config.refreshTokenSecretPrevious);
    this.hasher = this.keys.current;
  }

  /**
   * Opens a new session (login) and returns its first token pair. `dpopKey`: the thumbprint of
   * the key the login proved (DPoP); the session is bound to it for its whole life. Null when
   * the password was reset or changed while it was being checked: the old one opens nothing.
   */
  async startSession(verified: VerifiedPassword, ctx: ClientContext, dpopKey: string | null = null): Promise<TokenPair | null> {
    const refreshToken = generateOpaqueToken();
    const issued = await this.sessions.createSession(
      verified,
      this.hasher.hash(refreshToken),
      { idle: this.config.refreshTokenTtl, absolute: this.config.refreshTokenAbsoluteTtl },
      ctx,
      dpopKey,
    );
    return issued && this.pair(refreshToken, issued);
  }

  /**
   * Exchanges a refresh token for a new pair. Hot path: one Redis GET, one SQL statement,
   * one Redis SET. Everything else (grace, reuse, unknown tokens, a bound session without its
   * key) takes the slow path. `dpopKey`: the key the request proved, if it sent a DPoP proof.
   */
  rotate(token: unknown, ctx: ClientContext, dpopKey: string | null = null): Promise<TokenPair> {
    return this.metrics.timeRefresh(() => this.exchange(token, ctx, dpopKey));
  }

  private async exchange(token: unknown, ctx: ClientContext, dpopKey: string | null): Promise<TokenPair> {
    if (!isWellFormedToken(token)) throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    const hash = this.hasher.hash(token);
    // Redis unreachable throws here, before anything changes: the caller answers 503.
    const listed = await this.blacklist.find(hash);
    const pair = listed ? null : await this.rotateStored(token, hash, dpopKey);
    return pair ?? this.refuseOrReplay(token, hash, listed, ctx, dpopKey);
  }

  /**
   * Retires the live token stored under `hash` and issues its successor, always under the
   * current secret; null when no live token is stored there.
   */
  private async rotateStored(token: string, hash: Buffer, dpopKey: string | null): Promise<TokenPair | null> {
    const successor = this.hasher.successorOf(token);
    const rotated = await this.repository.rotate(hash, this.hasher.hash(successor), this.config.refreshTokenTtl, dpopKey);
    if (!rotated) return null;
    await this.blacklist
      .addRotated(hash, { sessionId: rotated.sessionId, userId: rotated.userId, rotatedAtMs: rotated.rotatedAt.getTime() }, rotated.retiredExpiresAt)
      // Postgres has committed the rotation and still recognises reuse from the row;
      // refusing now would push the client into a retry that looks like theft.
      .catch((err: Error) => this.logger.warn(`Blacklist write failed after rotation: ${err.message}`));
    return this.pair(successor, rotated);
  }

  /**
   * A token that could not simply be rotated: a replay inside the grace window, reuse of a
   * rotated token (theft), or a plain 401. Apart from the hot path so that every refresh does
   * not carry this path's state.
   */
  private async refuseOrReplay(
    token: string,
    hash: Buffer,
    listed: BlacklistEntry | null,
    ctx: ClientContext,
    dpopKey: string | null,
  ): Promise<TokenPair> {
    const record = await this.repository.findByHash(hash);
    const previous = this.keys.previous;
    if (!record && !listed && previous) return this.exchangeIssuedBeforeRotation(token, previous, ctx, dpopKey);
    return this.judgeRetired(token, record, listed, ctx, dpopKey);
  }

  /**
   * A token unknown under the current secret, while REFRESH_TOKEN_SECRET rotates: one issued
   * under the previous secret rotates onto the current one, or is judged as any other.
   */
  private async exchangeIssuedBeforeRotation(
    token: string,
    previous: TokenHasher,
    ctx: ClientContext,
    dpopKey: string | null,
  ): Promise<TokenPair> {
    const hash = previous.hash(token);
    const listed = await this.blacklist.find(hash);
    const pair = listed ? null : await this.rotateStored(token, hash, dpopKey);
    return pair ?? this.judgeRetired(token, await this.repository.findByHash(hash), listed, ctx, dpopKey);
  }

  /** A token that is not live where it is stored: a replay inside the grace window, reuse, or a plain 401. */
  private async judgeRetired(
    token: string,
    record: TokenRecord | null,
    listed: BlacklistEntry | null,
    ctx: ClientContext,
    dpopKey: string | null,
  ): Promise<TokenPair> {
    const retired = await this.findRetired(record, listed);
    // Before reuse detection: a thief without the key must not be able to end the owner's sessions.
    this.requireSessionKey(retired ?? record, dpopKey, ctx);
    if (!retired) throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    if (this.insideGrace(retired)) return this.replayWithinGrace(token, retired);
    await this.reportReuse(retired, ctx);
    throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
  }

  /**
   * The session a logout ends: the token's own, whether it is the live one or was rotated
   * inside the grace window (a stale tab). A rotated token past the window is reuse wherever
   * it is presented: a thief with an old copy must not sign the owner out unnoticed, so it
   * trips reuse detection as on refresh and is refused. A bound session ends only for a proof
   * of its key. Null: no session to end.
   */
  async sessionToEnd(token: unknown, ctx: ClientContext, dpopKey: string | null = null): Promise<{ userId: string; sessionId: string } | null> {
    if (!isWellFormedToken(token)) return null;
    const { listed, record } = await this.findStored(token);
    const retired = await this.findRetired(record, listed);
    this.requireSessionKey(retired ?? record, dpopKey, ctx);
    if (retired && !this.insideGrace(retired)) {
      await this.reportReuse(retired, ctx);
      throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
    }
    if (retired) return retired;
    if (record) return record;
    return listed ? { userId: listed.userId, sessionId: listed.sessionId } : null;
  }

  /** What Redis and Postgres know of a token, under the secret it was issued with. */
  private async findStored(token: string): Promise<{ listed: BlacklistEntry | null; record: TokenRecord | null }> {
    for (const hasher of this.keys.all) {
      const hash = hasher.hash(token);
      const listed = await this.blacklist.find(hash);
      const record = await this.repository.findByHash(hash);
      if (listed || record) return { listed, record };
    }
    return { listed: null, record: null };
  }

  private insideGrace(retired: RetiredToken): boolean {
    return this.config.reuseGrace > 0 && retired.secondsSinceRotation <= this.config.reuseGrace;
  }

  /**
   * A token that could not be rotated, if it is a rotated token of a live session: the only
   * case that is either a benign replay or theft. Everything else (unknown, expired, revoked
   * without successor, session already ended) is a plain 401 that trips nothing.
   */
  private async findRetired(
    record: TokenRecord | null,
    listed: BlacklistEntry | null,
  ): Promise<(RetiredToken & TokenOwner) | null> {
    if (record) {
      if (!record.sessionLive || !record.rotated || record.retiredSecondsAgo === null) return null;
      return { ...record, secondsSinceRotation: record.retiredSecondsAgo };
    }
    // The row is gone (purged by the cleanup job): the blacklist still remembers the token.
    if (listed?.kind !== 'rotated') return null;
    const session = await this.sessions.findLiveSession(listed.sessionId);
    if (!session) return null;
    return { ...listed, dpopJkt: session.dpopJkt, secondsSinceRotation: (Date.now() - listed.rotatedAtMs) / 1000 };
  }

  /**
   * A token of a bound session is honoured only with a proof of the session's key (RFC 9449
   * §5): otherwise 401 with the DPoP challenge, and nothing rotates or ends.
   */
  private requireSessionKey(owner: TokenOwner | null, dpopKey: string | null, ctx: ClientContext): void {
    if (!owner?.dpopJkt || owner.dpopJkt === dpopKey) return;
    const reason = dpopKey ? 'wrong_key' : 'missing';
    this.securityEvents.dpopProofRejected({ reason, userId: owner.userId, sessionId: owner.sessionId, ...ctx });
    throw new DpopProofException(
      'invalid_dpop_proof',
      dpopKey ? 'DPoP proof is signed by another key than the session is bound to' : 'This session is bound to a key: send a DPoP proof',
    );
  }

  /** Two tabs or a retried request: hand out the same successor again, create nothing. */
  private async replayWithinGrace(token: string, retired: RetiredToken & TokenOwner): Promise<TokenPair> {
    // While REFRESH_TOKEN_SECRET rotates, an instance still on the other secret may have issued it.
    for (const hasher of this.keys.all) {
      const successor = hasher.successorOf(token);
      const current = await this.repository.findByHash(hasher.hash(successor));
      // The successor may itself have been rotated a moment ago; its own grace rule applies then.
      if (current?.sessionLive && current.sessionId === retired.sessionId) {
        return this.pair(successor, { ...retired, expiresAt: current.expiresAt });
      }
    }
    throw new UnauthorizedException(INVALID_REFRESH_TOKEN);
  }

  private async reportReuse(retired: RetiredToken, ctx: ClientContext): Promise<void> {
    const scope = this.config.reuseRevokes;
    const ended =
      scope === 'user'
        ? await this.revocation.endAllSessions(retired.userId, 'reuse')
        : (await this.revocation.endSession(retired.userId, retired.sessionId, 'reuse'), [retired.sessionId]);
    this.securityEvents.refreshTokenReuse({
      userId: retired.userId,
      sessionId: retired.sessionId,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      requestId: ctx.requestId,
      revoked: scope,
      sessionsEnded: ended.length,
    });
  }

  private pair(refreshToken: string, session: TokenOwner & { expiresAt: Date }): TokenPair {
    return {
      accessToken: this.accessTokens.sign(session.userId, session.sessionId, session.dpopJkt),
      accessTokenTtl: this.accessTokens.ttlSeconds,
      refreshToken,
      refreshTokenExpiresAt: session.expiresAt,
      userId: session.userId,
      sessionId: session.sessionId,
      dpopJkt: session.dpopJkt,
    };
  }
}
