import { readFileSync, rmSync } from 'node:fs';
import type { DpopKeyFile } from './dpop-key-file';
import { writePrivateFile } from './private-file';

/**
 * A mobile-style client of the auth module (body transport), ready to port to Swift/Kotlin:
 * - every auth request carries `X-Token-Transport: body`; the refresh token comes back in the
 *   JSON body and is sent back as `{"refreshToken": "..."}`;
 * - the refresh token is persisted where an app keeps secrets (Keychain / Keystore; a 0600 file
 *   here), replaced atomically after every rotation; the access token stays in memory;
 * - a refresh answered 401 means the session is over (logout elsewhere, or reuse of a stolen
 *   copy was detected): the stored token is deleted and the user must sign in again;
 * - with a DPoP key (RFC 9449) the session is bound to it at login: every refresh, logout and
 *   API call carries a proof signed by the key, so a copy of the refresh token alone is useless.
 */
export class ReloginRequiredError extends Error {
  constructor() {
    super('The session has ended: sign in again');
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where the refresh token lives between app launches. */
export class FileTokenStore {
  constructor(readonly path: string) {}

  read(): string | null {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')).refreshToken ?? null;
    } catch {
      return null;
    }
  }

  write(refreshToken: string): void {
    writePrivateFile(this.path, JSON.stringify({ refreshToken }));
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

const BODY_TRANSPORT = { 'X-Token-Transport': 'body', 'Content-Type': 'application/json' };

interface CallOptions {
  method?: string;
  body?: unknown;
  headers?: HeadersInit;
  /** Sent as `Authorization`, with `ath` in the proof when the session is DPoP-bound. */
  accessToken?: string;
}

export class MobileAuthClient {
  private accessToken: string | null = null;
  private tokenType: 'Bearer' | 'DPoP' = 'Bearer';
  private refreshInFlight: Promise<void> | null = null;
  /** The last `DPoP-Nonce` the server sent (servers with DPOP_NONCE_REQUIRED=true). */
  private dpopNonce: string | undefined;
  /** Between the password and the code step of an account with a second factor; memory only. */
  private mfaTicket: string | null = null;

  constructor(
    private readonly apiUrl: string,
    private readonly store: FileTokenStore,
    /** The device key sessions are bound to; without one the session is a plain bearer session. */
    private readonly dpopKey?: DpopKeyFile,
  ) {}

  get hasSession(): boolean {
    return this.store.read() !== null;
  }

  async register(email: string, password: string): Promise<void> {
    await this.post('/auth/register', { email, password });
  }

  /**
   * The password step. For an account with a second factor the answer is a ticket, not tokens:
   * returns `mfaRequired` and the app asks for a code, then calls verifyMfa.
   */
  async login(email: string, password: string): Promise<{ mfaRequired: boolean }> {
    const body = await this.post('/auth/login', { email, password });
    if (body.mfaRequired) {
      this.mfaTicket = body.mfaTicket;
      return { mfaRequired: true };
    }
    this.accept(body);
    return { mfaRequired: false };
  }

  /** The code step: a TOTP code or a recovery code opens the session (same pair as login). */
  async verifyMfa(factor: { code: string } | { recoveryCode: string }): Promise<void> {
    if (!this.mfaTicket) throw new ReloginRequiredError();
    const ticket = this.mfaTicket;
    this.mfaTicket = null;
    this.accept(await this.post('/auth/mfa/verify', { ticket, ...factor }));
  }

  /**
   * Exchanges the stored refresh token for a new pair. If the answer is lost (crash, network)
   * the old token may be sent again within REFRESH_TOKEN_REUSE_GRACE and gets the same pair.
   */
  refresh(): Promise<void> {
    this.refreshInFlight ??= this.rotate().finally(() => (this.refreshInFlight = null));
    return this.refreshInFlight;
  }

  /** A call to a protected endpoint; refreshes once on 401. */
  async request<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    if (!this.accessToken) await this.refresh();
    let res = await this.call(path, { ...init, accessToken: this.accessToken! });
    if (res.status === 401) {
      await this.refresh();
      res = await this.call(path, { ...init, accessToken: this.accessToken! });
    }
    const body: any = res.status === 204 ? undefined : await res.json();
    if (!res.ok) throw new ApiError(res.status, body?.message ?? res.statusText);
    return body as T;
  }

  async logout(): Promise<void> {
    const refreshToken = this.store.read();
    this.store.clear();
    this.accessToken = null;
    if (refreshToken) await this.call('/auth/logout', { method: 'POST', headers: BODY_TRANSPORT, body: { refreshToken } });
  }

  private async rotate(): Promise<void> {
    const refreshToken = this.store.read();
    if (!refreshToken) throw new ReloginRequiredError();
    const res = await this.call('/auth/refresh', { method: 'POST', headers: BODY_TRANSPORT, body: { refreshToken } });
    const body: any = await res.json().catch(() => ({}));
    if (res.status === 401) {
      this.store.clear();
      this.accessToken = null;
      throw new ReloginRequiredError();
    }
    // 503 and network errors keep the token: the server could not decide, try again later.
    if (!res.ok) throw new ApiError(res.status, body.message ?? res.statusText);
    this.accept(body);
  }

  private accept(body: { accessToken: string; refreshToken: string; tokenType: 'Bearer' | 'DPoP' }): void {
    this.store.write(body.refreshToken); // persist first: it is the only way back in
    this.accessToken = body.accessToken;
    this.tokenType = body.tokenType;
  }

  /**
   * One HTTP call, with a fresh DPoP proof when the client has a key. A server that wants a
   * nonce answers 401 `use_dpop_nonce` with one in `DPoP-Nonce`: the call is repeated once.
   */
  private async call(path: string, options: CallOptions, retried = false): Promise<Response> {
    const method = options.method ?? 'GET';
    const headers = new Headers(options.headers);
    if (options.body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
    const bound = this.tokenType === 'DPoP' && options.accessToken !== undefined;
    if (options.accessToken !== undefined) headers.set('Authorization', `${this.tokenType} ${options.accessToken}`);
    if (this.dpopKey) {
      const url = `${this.apiUrl}${path}`;
      headers.set('DPoP', await this.dpopKey.proof(method, url, { accessToken: bound ? options.accessToken : undefined, nonce: this.dpopNonce }));
    }
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    this.dpopNonce = res.headers.get('DPoP-Nonce') ?? this.dpopNonce;
    if (!retried && res.status === 401 && /error="use_dpop_nonce"/.test(res.headers.get('WWW-Authenticate') ?? '')) {
      return this.call(path, options, true);
    }
    return res;
  }

  private async post(path: string, payload: unknown): Promise<any> {
    const res = await this.call(path, { method: 'POST', headers: BODY_TRANSPORT, body: payload });
    const body: any = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, body.message ?? res.statusText);
    return body;
  }
}
