import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A mobile-style client of the auth module (body transport), ready to port to Swift/Kotlin:
 * - every auth request carries `X-Token-Transport: body`; the refresh token comes back in the
 *   JSON body and is sent back as `{"refreshToken": "..."}`;
 * - the refresh token is persisted where an app keeps secrets (Keychain / Keystore; a 0600 file
 *   here), replaced atomically after every rotation; the access token stays in memory;
 * - a refresh answered 401 means the session is over (logout elsewhere, or reuse of a stolen
 *   copy was detected): the stored token is deleted and the user must sign in again.
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

  /** Write-then-rename: a crash mid-write never leaves a torn token behind. */
  write(refreshToken: string): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, JSON.stringify({ refreshToken }), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.path);
  }

  clear(): void {
    rmSync(this.path, { force: true });
  }
}

const BODY_TRANSPORT = { 'X-Token-Transport': 'body', 'Content-Type': 'application/json' };

export class MobileAuthClient {
  private accessToken: string | null = null;
  private refreshInFlight: Promise<void> | null = null;

  constructor(
    private readonly apiUrl: string,
    private readonly store: FileTokenStore,
  ) {}

  get hasSession(): boolean {
    return this.store.read() !== null;
  }

  async register(email: string, password: string): Promise<void> {
    await this.post('/auth/register', { email, password });
  }

  async login(email: string, password: string): Promise<void> {
    this.accept(await this.post('/auth/login', { email, password }));
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
  async request<T>(path: string, init: RequestInit = {}): Promise<T> {
    if (!this.accessToken) await this.refresh();
    let res = await this.send(path, init);
    if (res.status === 401) {
      await this.refresh();
      res = await this.send(path, init);
    }
    const body: any = res.status === 204 ? undefined : await res.json();
    if (!res.ok) throw new ApiError(res.status, body?.message ?? res.statusText);
    return body as T;
  }

  async logout(): Promise<void> {
    const refreshToken = this.store.read();
    this.store.clear();
    this.accessToken = null;
    if (refreshToken) {
      await fetch(`${this.apiUrl}/auth/logout`, { method: 'POST', headers: BODY_TRANSPORT, body: JSON.stringify({ refreshToken }) });
    }
  }

  private async rotate(): Promise<void> {
    const refreshToken = this.store.read();
    if (!refreshToken) throw new ReloginRequiredError();
    const res = await fetch(`${this.apiUrl}/auth/refresh`, { method: 'POST', headers: BODY_TRANSPORT, body: JSON.stringify({ refreshToken }) });
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

  private accept(body: { accessToken: string; refreshToken: string }): void {
    this.store.write(body.refreshToken); // persist first: it is the only way back in
    this.accessToken = body.accessToken;
  }

  private send(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('Authorization', `Bearer ${this.accessToken}`);
    return fetch(`${this.apiUrl}${path}`, { ...init, headers });
  }

  private async post(path: string, payload: unknown): Promise<any> {
    const res = await fetch(`${this.apiUrl}${path}`, { method: 'POST', headers: BODY_TRANSPORT, body: JSON.stringify(payload) });
    const body: any = await res.json().catch(() => ({}));
    if (!res.ok) throw new ApiError(res.status, body.message ?? res.statusText);
    return body;
  }
}
