import { once } from 'node:events';
import http from 'node:http';
import { AppProcess, startAppProcess } from '../support/app-process';
import { PASSWORD, sleep, uniqueEmail } from '../support/test-app';

interface Outcome {
  status?: number;
  body?: any;
  error?: string;
}

/**
 * One request on its own connection (no keep-alive pool). `written` resolves once the
 * request is fully on the wire, i.e. the server has a connection it accepted.
 */
function send(port: number, path: string, body: unknown, headers: Record<string, string> = {}) {
  let markWritten: () => void;
  const written = new Promise<void>((r) => (markWritten = r));
  const done = new Promise<Outcome>((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'Content-Type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.on('finish', () => markWritten());
    req.end(JSON.stringify(body));
  });
  return { written, done };
}

describe('graceful shutdown (SIGTERM to a production-build child process)', () => {
  let app: AppProcess;
  afterAll(async () => {
    if (app?.child.exitCode === null) app.child.kill('SIGKILL');
  });

  it('finishes every accepted request, refuses new connections, then closes and exits 0', async () => {
    // 24 logins of one account at once: each password check in flight holds a throttle point.
    app = await startAppProcess({ SHUTDOWN_GRACE_MS: '15000', LOGIN_MAX_FAILURES_PER_ACCOUNT: '100' });
    const email = uniqueEmail();
    expect((await send(app.port, '/auth/register', { email, password: PASSWORD }).done).status).toBe(201);
    const body = { 'X-Token-Transport': 'body' };
    const sessions = await Promise.all(
      Array.from({ length: 8 }, () => send(app.port, '/auth/login', { email, password: PASSWORD }, body).done),
    );
    const tokens = sessions.map((s) => s.body.refreshToken as string);

    // In flight at SIGTERM: 24 logins (argon2, ~40 ms each on a 2-core machine) and 8 refreshes.
    const inFlight = [
      ...Array.from({ length: 24 }, () => send(app.port, '/auth/login', { email, password: PASSWORD }, body)),
      ...tokens.map((refreshToken) => send(app.port, '/auth/refresh', { refreshToken }, body)),
    ];
    await Promise.all(inFlight.map((r) => r.written));
    await sleep(50);
    app.child.kill('SIGTERM');
    // Logged in the tick the listener closes.
    while (!app.output.some((l) => l.includes('Not accepting connections'))) await sleep(5);
    const late = send(app.port, '/auth/login', { email, password: PASSWORD }, body).done;

    const outcomes = await Promise.all(inFlight.map((r) => r.done));
    expect(outcomes.map((o) => o.status ?? o.error)).toEqual(Array(32).fill(200));
    expect(outcomes.every((o) => typeof o.body.accessToken === 'string')).toBe(true);
    expect((await late).error).toBe('ECONNREFUSED');
    expect(await app.exited).toBe(0);

    const messages = app.output.map((l) => JSON.parse(l).msg as string);
    expect(messages).toContainEqual(expect.stringMatching(/^SIGTERM: shutting down/));
    expect(messages).toContainEqual(expect.stringMatching(/^Not accepting connections; \d+ open, \d+ requests in flight$/));
    expect(messages).toContain('Stopped: HTTP server, cleanup job, Postgres and Redis closed');
    // Every refresh that was in flight rotated exactly once, and its successor is live in Postgres.
    const successors = outcomes.slice(24).map((o) => o.body.refreshToken);
    expect(new Set(successors).size).toBe(8);
  });

  it('ends a keep-alive connection that sits idle after its response at once, not after the grace period', async () => {
    app = await startAppProcess({ SHUTDOWN_GRACE_MS: '20000' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: app.port, path: '/health/live', agent }, (res) => res.resume().on('end', () => resolve(res.statusCode))).on('error', reject);
    });
    expect(status).toBe(200);
    const [idle] = Object.values(agent.freeSockets).flat();
    expect(idle).toBeDefined();
    const closed = once(idle!, 'close');
    const signalledAt = Date.now();
    app.child.kill('SIGTERM');
    await closed;
    expect(await app.exited).toBe(0);
    // The server knows the connection served a request and has none in flight: it ends it and
    // exits. Had it lost count, the idle socket would hold the exit for the whole 20 s.
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    agent.destroy();
  }, 40_000);
});
