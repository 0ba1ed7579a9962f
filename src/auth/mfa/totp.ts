import type { TOTP } from 'otpauth';

/**
 * otpauth is required by the first MFA request (enrolment, a second login step, a disable),
 * as qrcode is: a server whose users have no second factor does not carry it (BENCHMARKS.md,
 * "Loading less").
 */
const otpauth = (): typeof import('otpauth') => require('otpauth');

/** RFC 6238 as authenticator apps implement it: SHA-1, 6 digits, 30 s steps. */
const PERIOD_SECONDS = 30;
/** Accepted clock drift between the phone and the server, in steps either way. */
const DRIFT_STEPS = 1;
const CODE = /^\d{6}$/;

/** A fresh 160-bit shared secret (RFC 4226's recommended length). */
export function newTotpSecret(): Buffer {
  const { Secret } = otpauth();
  return Buffer.from(new Secret({ size: 20 }).buffer);
}

/** The `otpauth://` URI authenticator apps scan (as a QR code) or take typed in. */
export function totpUri(secret: Buffer, issuer: string, account: string): string {
  return totpFor(secret, issuer, account).toString();
}

/** The secret as people type it into an app: base32. */
export function base32Of(secret: Buffer): string {
  return otpauth().Secret.fromHex(secret.toString('hex')).base32;
}

/**
 * The time step `code` belongs to (within ±1 step of now), or null. The caller accepts each
 * step once, so a code seen on the wire cannot be replayed.
 */
export function matchingStep(secret: Buffer, code: string, nowMs = Date.now()): number | null {
  if (!CODE.test(code)) return null;
  const delta = totpFor(secret).validate({ token: code, timestamp: nowMs, window: DRIFT_STEPS });
  return delta === null ? null : Math.floor(nowMs / 1000 / PERIOD_SECONDS) + delta;
}

/** The code of a given moment (tests and examples compute codes the way an app does). */
export function totpCode(secret: Buffer, nowMs = Date.now()): string {
  return totpFor(secret).generate({ timestamp: nowMs });
}

function totpFor(secret: Buffer, issuer = '', label = ''): TOTP {
  const { Secret, TOTP } = otpauth();
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromHex(secret.toString('hex')) });
}
