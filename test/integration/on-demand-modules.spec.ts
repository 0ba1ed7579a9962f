import path from 'node:path';
import { startAppProcess, AppProcess } from '../support/app-process';
import { DpopKey } from '../support/dpop';

// Packages only some requests need are loaded by the first of them, not at start-up: a server
// that never sees such a request does not carry them (BENCHMARKS.md, "Memory"). The production
// build in a real process, because under Jest every module lives in Jest's own registry.
const ON_DEMAND = ['pino-pretty', 'otpauth', 'qrcode', 'jose'];
// Installed for the host-app tests only: the API validates bodies without them. And the indexes
// of rate-limiter-flexible and prom-client, which would load every back end and feature they
// have (src/auth/throttling/redis-rate-limiter.ts, src/metrics/prometheus.ts), @opentelemetry/api
// among them.
const NEVER = ['class-validator', 'class-transformer', 'rate-limiter-flexible/index.js', 'prom-client/index.js', '@opentelemetry/api'];

describe('packages loaded on first use (the production build, a real process)', () => {
  let app: AppProcess;

  beforeAll(async () => {
    app = await startAppProcess({
      NODE_OPTIONS: `--require ${path.join(__dirname, '../support/module-report.js')}`,
      MODULE_REPORT: [...ON_DEMAND, ...NEVER].join(','),
    });
  });
  afterAll(() => app.stop());

  const loadedPackages = async (): Promise<string[]> => {
    const seen = app.output.length;
    app.child.kill('SIGUSR2');
    for (let i = 0; i < 100; i++) {
      const line = app.output.slice(seen).find((l) => l.startsWith('{"moduleReport"'));
      if (line) return (JSON.parse(line) as { moduleReport: string[] }).moduleReport;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('no module report');
  };

  const post = (pathname: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${app.baseUrl}${pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-token-transport': 'body', ...headers },
      body: JSON.stringify(body),
    });

  it('none of them after start-up and ordinary traffic', async () => {
    const email = `lazy-${Date.now()}@example.com`;
    expect((await post('/auth/register', { email, password: 'a long enough passphrase' })).status).toBe(201);
    const login = await post('/auth/login', { email, password: 'a long enough passphrase' });
    expect(login.status).toBe(200);
    const { refreshToken } = (await login.json()) as { refreshToken: string };
    expect((await post('/auth/refresh', { refreshToken })).status).toBe(200);
    expect(await loadedPackages()).toEqual([]);
  });

  it('otpauth and qrcode with the first MFA enrolment, which answers with a PNG QR code', async () => {
    const email = `lazy-mfa-${Date.now()}@example.com`;
    await post('/auth/register', { email, password: 'a long enough passphrase' });
    const { accessToken } = (await (await post('/auth/login', { email, password: 'a long enough passphrase' })).json()) as { accessToken: string };
    const enrol = await post('/auth/mfa/totp', {}, { authorization: `Bearer ${accessToken}` });
    expect(enrol.status).toBe(200);
    expect(((await enrol.json()) as { qrCode: string }).qrCode).toMatch(/^data:image\/png;base64,/);
    expect(await loadedPackages()).toEqual(['otpauth', 'qrcode']);
  });

  it('jose with the first DPoP proof, which binds the session', async () => {
    const email = `lazy-dpop-${Date.now()}@example.com`;
    await post('/auth/register', { email, password: 'a long enough passphrase' });
    const key = await DpopKey.generate();
    const login = await post('/auth/login', { email, password: 'a long enough passphrase' }, { dpop: await key.proof('POST', `${app.baseUrl}/auth/login`) });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { tokenType: string }).tokenType).toBe('DPoP');
    expect(await loadedPackages()).toEqual(['otpauth', 'qrcode', 'jose']);
  });
});
