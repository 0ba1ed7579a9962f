/**
 * The browser side of the auth module, ready to copy into an SPA:
 * - the access token lives in memory only (never localStorage: XSS could read it there);
 * - the refresh token lives only in the httpOnly `refresh_token` cookie, which this code never
 *   sees; every call to /auth/* sends it with `credentials: 'include'`;
 * - on a 401 the client refreshes once and retries; concurrent calls share one refresh.
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
  private refreshInFlight: Promise<boolean> | null = null;

  constructor(
    private readonly apiUrl: string,
    /** Called whenever the session turns out to be gone (logout elsewhere, reuse detected, expiry). */
    private readonly onSignedOut: () => void,
  ) {}

  get signedIn(): boolean {
    return this.accessToken !== null;
  }

  async register(email: string, password: string): Promise<void> {
    await this.post('/auth/register', { email, password });
  }

  async login(email: string, password: string): Promise<void> {
    const body = await this.post('/auth/login', { email, password });
    this.accessToken = body.accessToken;
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
    await fetch(`${this.apiUrl}/auth/logout`, { method: 'POST', credentials: 'include' }).catch(() => undefined);
    this.accessToken = null;
  }

  private async rotate(): Promise<boolean> {
    const res = await fetch(`${this.apiUrl}/auth/refresh`, { method: 'POST', credentials: 'include' });
    if (res.ok) {
      this.accessToken = (await res.json()).accessToken;
      return true;
    }
    this.accessToken = null;
    if (res.status === 401) return false;
    throw new ApiError(res.status, (await res.json().catch(() => ({}))).message ?? res.statusText);
  }

  private send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${this.accessToken}`);
    return fetch(`${this.apiUrl}${path}`, { ...init, headers, credentials: 'include' });
  }

  private async post(path: string, payload: unknown): Promise<any> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method: 'POST',
      credentials: 'include',
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
