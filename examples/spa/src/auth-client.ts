import type { BrowserDpopKey } from './dpop-key';

/**
 * The browser side of the auth module, ready to copy into an SPA:
 * - the access token lives in memory only (never localStorage: XSS could read it there);
 * - the refresh token lives only in the httpOnly `refresh_token` cookie, which this code never
 *   sees; every call to /auth/* sends it with `credentials: 'include'`;
 * - on a 401 the client refreshes once and retries; concurrent calls share one refresh;
 * - with a DPoP key (RFC 9449) the login binds the session to it and every call to the API
 *   carries a proof signed by it: a copied cookie or access token is useless elsewhere.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class SignedOutError extends ApiError {
  constructor() {
    super(401, 'Signed out');
  }
}

export class AuthClient {
  private accessToken: string | null = null;
  private tokenType: 'Bearer' | 'DPoP' = 'Bearer';
  private refreshInFlight: Promise<boolean> | null = null;
  /** The last `DPoP-Nonce` the server sent (servers with DPOP_NONCE_REQUIRED=true). */
  private dpopNonce: string | undefined;

  constructor(
    private readonly apiUrl: string,
    /** Called whenever the session turns out to be gone (logout elsewhere, reuse detected, expiry). */
    private readonly onSignedOut: () => void,
    /** The browser's key; without one sessions are plain cookie + bearer sessions. */
    private readonly dpopKey?: Promise<BrowserDpopKey>,
  ) {}

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  async register(email: string, password: string): Promise<void> {
    await this.post('/auth/register', { email, password });
  }

  /** Signs in; for an account with a second factor, returns the ticket for verifyMfa instead. */
  async login(email: string, password: string): Promise<{ mfaTicket: string } | null> {
    const body = await this.post('/auth/login', { email, password });
    if (body.mfaRequired) return { mfaTicket: body.mfaTicket };
    this.accept(body);
    return null;
  }

  /** The code step of a login: a TOTP code or a recovery code opens the session. */
  async verifyMfa(ticket: string, factor: { code: string } | { recoveryCode: string }): Promise<void> {
    this.accept(await this.post('/auth/mfa/verify', { ticket, ...factor }));
  }

  /** Public endpoints of the mailed links (no session needed). */
  async requestPasswordReset(email: string): Promise<void> {
    await this.post('/auth/password/forgot', { email });
  }

  async resetPassword(token: string, password: string): Promise<void> {
    await this.post('/auth/password/reset', { token, password });
  }

  async verifyEmail(token: string): Promise<void> {
    await this.post('/auth/email/verify', { token });
  }

  async resendVerification(email: string): Promise<void> {
    await this.post('/auth/email/resend', { email });
  }

  /** After a page load: the cookie (if any) buys a new access token. */
  restore(): Promise<boolean> {
    return this.refresh();
  }

  /** One refresh at a time: every caller waits for the same request. */
  refresh(): Promise<boolean> {
    this.refreshInFlight ??= this.rotate().finally(() => (this.refreshInFlight = null));
    return this.refreshInFlight;
  }

  /** A call to a protected endpoint with the bearer token; refreshes once on 401. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    if (!this.accessToken && !(await this.refresh())) throw this.signedOut();
    const usedToken = this.accessToken;
    let res = await this.send(path, init);
    if (res.status !== 401) return res;
    // Another call may have refreshed meanwhile; otherwise refresh now.
    if (this.accessToken === usedToken && !(await this.refresh())) throw this.signedOut();
    res = await this.send(path, init);
    if (res.status === 401) throw this.signedOut();
    return res;
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.fetch(path, init);
    if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => ({}))).message ?? res.statusText);
    return res.status === 204 ? (undefined as T) : res.json();
  }

  async logout(): Promise<void> {
    await this.call('/auth/logout', { method: 'POST' }).catch(() => undefined);
    this.accessToken = null;
  }

  private async rotate(): Promise<boolean> {
    const res = await this.call('/auth/refresh', { method: 'POST' });
    if (res.ok) {
      this.accept(await res.json());
      return true;
    }
    this.accessToken = null;
    if (res.status === 401) return false;
    throw new ApiError(res.status, (await res.json().catch(() => ({}))).message ?? res.statusText);
  }

  private send(path: string, init: RequestInit): Promise<Response> {
    return this.call(path, init, this.accessToken!);
  }

  private accept(body: { accessToken: string; tokenType: 'Bearer' | 'DPoP' }): void {
    this.accessToken = body.accessToken;
    this.tokenType = body.tokenType;
  }

  /**
   * Every request to the API: the cookie goes along, and a fresh DPoP proof when the client has
   * a key. A server that wants a nonce answers 401 `use_dpop_nonce` with one: repeated once.
   */
  private async call(path: string, init: RequestInit, accessToken?: string, retried = false): Promise<Response> {
    const method = init.method ?? 'GET';
    const headers = new Headers(init.headers);
    if (accessToken) headers.set('Authorization', `${this.tokenType} ${accessToken}`);
    if (this.dpopKey) {
      const key = await this.dpopKey;
      const bound = this.tokenType === 'DPoP' ? accessToken : undefined;
      headers.set('DPoP', await key.proof(method, `${this.apiUrl}${path}`, { accessToken: bound, nonce: this.dpopNonce }));
    }
    const res = await fetch(`${this.apiUrl}${path}`, { ...init, method, headers, credentials: 'include' });
    this.dpopNonce = res.headers.get('DPoP-Nonce') ?? this.dpopNonce;
    if (!retried && res.status === 401 && /error="use_dpop_nonce"/.test(res.headers.get('WWW-Authenticate') ?? '')) {
      return this.call(path, init, accessToken, true);
    }
    return res;
  }

  private async post(path: string, payload: unknown): Promise<any> {
    const res = await this.call(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(payload),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, body.message ?? res.statusText);
    return body;
  }

  private signedOut(): SignedOutError {
    this.accessToken = null;
    this.onSignedOut();
    return new SignedOutError();
  }
}
