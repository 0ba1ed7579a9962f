import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWTVerifyResult } from 'jose';
import { createHash } from 'node:crypto';
import { jose } from './jose';
import { dpopConfig, DpopConfig } from '../../config/auth.config';
import { RedisService } from '../../redis/redis.service';
import { clientContextOf } from '../client-context.decorator';
import { RefreshTokenTransport } from '../refresh-token.transport';
import { SecurityEventsService } from '../security-events.service';
import { DPOP_ALGORITHMS, DpopProofException } from './dpop-proof.exception';
import { DpopNonces } from './dpop-nonce';
import { ProofKeyCache } from './proof-key-cache';

/** Why a proof was refused: the `reason` of the security event and of the metric. */
export type DpopRejection = 'missing' | 'malformed' | 'signature' | 'htm' | 'htu' | 'iat' | 'jti' | 'ath' | 'replayed' | 'wrong_key';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_PROOF_LENGTH = 4096;
/** What `keyOf` answers every request without a proof: one settled promise, shared. */
const NO_PROOF: Promise<null> = Promise.resolve(null);

/**
 * Checks DPoP proofs (RFC 9449 §4.3): a JWT signed by the key in its own header, naming this
 * request (`htm`, `htu`), fresh (`iat`), used once (`jti`, remembered in Redis for every
 * instance), with `ath` = the access token's hash on guarded routes, and the server nonce when
 * nonces are on. Returns the key's SHA-256 JWK thumbprint, which sessions are bound to.
 */
@Injectable()
export class DpopProofVerifier {
  private readonly nonces: DpopNonces | null;
  private readonly proofKeys = new ProofKeyCache();

  constructor(
    private readonly redis: RedisService,
    private readonly securityEvents: SecurityEventsService,
    private readonly transport: RefreshTokenTransport,
    @Inject(dpopConfig.KEY) private readonly config: DpopConfig,
  ) {
    this.nonces = config.nonceRequired ? new DpopNonces(config.nonceSecrets, config.proofMaxAgeSeconds) : null;
  }

  /**
   * The key the request proves possession of; null when it sends no `DPoP` header. Every
   * refresh asks, and most send none: they get one settled promise, not an async call each.
   */
  keyOf(req: FastifyRequest, reply: FastifyReply, accessToken?: string): Promise<string | null> {
    const proof = req.headers.dpop;
    return proof === undefined ? NO_PROOF : this.proofKey(req, reply, proof, accessToken);
  }

  private async proofKey(req: FastifyRequest, reply: FastifyReply, proof: string | string[], accessToken: string | undefined): Promise<string> {
    const key = await this.check(req, proof, accessToken);
    if (this.nonces) reply.header('DPoP-Nonce', this.nonces.current());
    return key;
  }

  /** As keyOf, for a request that must carry a proof (a bound session or access token). */
  async requireKey(req: FastifyRequest, reply: FastifyReply, accessToken?: string): Promise<string> {
    const key = await this.keyOf(req, reply, accessToken);
    if (!key) throw this.reject(req, 'missing', 'This session is bound to a key: send a DPoP proof');
    return key;
  }

  /** The key a login binds its session to; DPOP_REQUIRED_FOR_BODY_LOGIN makes it mandatory there. */
  async keyForLogin(req: FastifyRequest, reply: FastifyReply): Promise<string | null> {
    const key = await this.keyOf(req, reply);
    if (!key && this.config.requiredForBodyLogin && this.transport.usesBody(req)) {
      throw this.reject(req, 'missing', 'Logins with the body transport need a DPoP proof');
    }
    return key;
  }

  /** Counts and logs the refusal; the caller throws what it returns. */
  reject(req: FastifyRequest, reason: DpopRejection, message: string, owner: { userId?: string; sessionId?: string } = {}): DpopProofException {
    this.securityEvents.dpopProofRejected({ reason, ...owner, ...clientContextOf(req) });
    return new DpopProofException('invalid_dpop_proof', message);
  }

  private async check(req: FastifyRequest, proof: string | string[], accessToken: string | undefined): Promise<string> {
    // Two DPoP headers arrive joined by a comma, which no compact JWS contains.
    if (typeof proof !== 'string' || proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) {
      throw this.reject(req, 'malformed', 'The DPoP header must hold exactly one proof JWT');
    }
    let verified: JWTVerifyResult;
    try {
      // The key comes from the proof's own `jwk` header (EmbeddedJWK, imported once per key:
      // it refuses private and symmetric keys); the algorithm list refuses `none`, HMAC and RSA.
      verified = await jose().jwtVerify(proof, this.proofKeys.resolve, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS] });
    } catch {
      throw this.reject(req, 'signature', 'DPoP proof is not a valid dpop+jwt signed (ES256 or EdDSA) by the public key in its header');
    }
    const { payload, protectedHeader } = verified;
    if (payload.htm !== req.method) throw this.reject(req, 'htm', 'DPoP proof htm does not match the request method');
    const called = this.requestUri(req);
    if (typeof payload.htu !== 'string' || called === null || normalizedHtu(payload.htu) !== called) {
      throw this.reject(req, 'htu', 'DPoP proof htu does not match the request URL');
    }
    if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > this.config.proofMaxAgeSeconds) {
      throw this.reject(req, 'iat', 'DPoP proof iat is missing or outside the accepted window');
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256) {
      throw this.reject(req, 'jti', 'DPoP proof needs a jti');
    }
    if (accessToken !== undefined && payload.ath !== sha256(accessToken)) {
      throw this.reject(req, 'ath', 'DPoP proof ath does not match the access token');
    }
    if (this.nonces && !this.nonces.isValid(payload.nonce)) {
      throw new DpopProofException('use_dpop_nonce', 'Put the nonce of the DPoP-Nonce header in the proof', this.nonces.current());
    }
    const key = await this.proofKeys.thumbprintOf(protectedHeader);
    if (!(await this.firstUse(key, payload.jti))) throw this.reject(req, 'replayed', 'DPoP proof was already used');
    return key;
  }

  /**
   * Records the proof's jti; false if any instance saw it before. A proof is acceptable for at
   * most twice the iat window (iat may be that far behind or ahead), so that is how long it is kept.
   */
  private async firstUse(key: string, jti: string): Promise<boolean> {
    const id = createHash('sha256').update(`${key}|${jti}`).digest('base64url');
    const ttl = 2 * this.config.proofMaxAgeSeconds + 1;
    return (await this.redis.client.set(`dpop:${id}`, '1', 'EX', ttl, 'NX')) === 'OK';
  }

  /** The URL the client called, without query and fragment: PUBLIC_ORIGIN or what TRUST_PROXY lets the request say. */
  private requestUri(req: FastifyRequest): string | null {
    const origin = this.config.publicOrigin ?? `${req.protocol}://${req.host}`;
    return normalizedHtu(origin + req.url.split('?', 1)[0]);
  }
}

/** Scheme and host lower-cased, default port dropped, no query or fragment (RFC 9449 §4.3 step 9). */
export function normalizedHtu(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? `${url.origin}${url.pathname}` : null;
  } catch {
    return null;
  }
}

/** `ath`: base64url SHA-256 of the access token (RFC 9449 §4.2). */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
