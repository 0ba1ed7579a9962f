import { UnauthorizedException } from '@nestjs/common';
import type { WithResponseHeaders } from '../../common/response-headers';

/** RFC 9449 error codes, in the `WWW-Authenticate: DPoP` challenge. */
export type DpopErrorCode = 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token';

/** The signature algorithms a proof may use (advertised in the challenge as `algs`). */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA'] as const;

/**
 * 401 with a DPoP challenge: `WWW-Authenticate: DPoP error="…"`, and a fresh `DPoP-Nonce`
 * when the server asks for one. The body keeps the usual error shape.
 */
export class DpopProofException extends UnauthorizedException implements WithResponseHeaders {
  constructor(
    readonly code: DpopErrorCode,
    message: string,
    readonly nonce?: string,
  ) {
    super(message);
  }

  get responseHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      'WWW-Authenticate': `DPoP error="${this.code}", algs="${DPOP_ALGORITHMS.join(' ')}"`,
    };
    if (this.nonce) headers['DPoP-Nonce'] = this.nonce;
    return headers;
  }
}
