import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import { ChangePasswordDto, ForgotPasswordDto, ResetPasswordDto } from '../../src/auth/passwords/dto/passwords.dto';
import { ConfirmedChangeDto, ConfirmTotpDto, MfaLoginDto } from '../../src/auth/mfa/dto/mfa.dto';
import { LoginDto, RegisterDto } from '../../src/auth/dto/credentials.dto';
import { ResendVerificationDto, VerifyEmailDto } from '../../src/auth/email/dto/email.dto';
import { schemaOf } from '../../src/common/validation/body-validator';
import { textFieldsOf } from '../../src/common/validation/text-field';
import {
  createTestApp,
  expectErrorShape,
  login,
  me,
  PASSWORD,
  refreshBody,
  register,
  registerAndLogin,
  TestApp,
  uniqueEmail,
} from '../support/test-app';

/** The value of one Prometheus sample line, e.g. `auth_logins_total{outcome="success"}`. */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('operations: health, OpenAPI, metrics, logs, HTTP hardening', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ app: { docsEnabled: true, allowedOrigins: ['https://app.example.test'] } });
  });
  afterAll(() => t.close());

  describe('health', () => {
    it('answers liveness without touching Postgres or Redis, readiness naming both', async () => {
      await t.http().get('/health/live').expect(200, { status: 'ok' });
      await t.http().get('/health').expect(200, { status: 'ok', postgres: 'up', redis: 'up' });
    });
  });

  describe('OpenAPI', () => {
    // Every path, method and status of the API, read from its description (docs/api.md), so the
    // served OpenAPI document and the written one cannot drift apart.
    const CONTRACT: Array<[string, string, number[]]> = readFileSync(join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8')
      .split('\n')
      .map((line) => /^\| (GET|POST|DELETE) (\/\S+) \|[^|]*\|[^|]*\|([^|]*)\|([^|]*)\|$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(([, method, path, success, failures]) => [
        method.toLowerCase(),
        path.replace(/:(\w+)/g, '{$1}'),
        [...`${success} ${failures}`.matchAll(/\b[1-5]\d\d\b/g)].map(([n]) => Number(n)),
      ]);

    it('reads the API description (every endpoint row of docs/api.md)', () => {
      expect(CONTRACT.length).toBe(19);
      expect(CONTRACT).toContainEqual(['delete', '/auth/sessions/{id}', [204, 400, 401, 404]]);
    });

    it('documents every path and status of the contract, with the error shape', async () => {
      const { body: doc } = await t.http().get('/docs-json').expect(200);
      for (const [method, path, statuses] of CONTRACT) {
        const operation = doc.paths[path]?.[method];
        expect({ path, method, documented: !!operation }).toEqual({ path, method, documented: true });
        expect(Object.keys(operation.responses).map(Number).sort()).toEqual(expect.arrayContaining(statuses));
      }
      expect(doc.components.schemas.ErrorResponseDto.required).toEqual(['statusCode', 'error', 'message']);
      expect(doc.paths['/auth/refresh'].post.parameters).toContainEqual(
        expect.objectContaining({ in: 'header', name: 'X-Token-Transport' }),
      );
      expect(doc.paths['/auth/login'].post.requestBody.content['application/json'].schema.$ref).toMatch(/LoginDto$/);
    });

    it('documents each request body exactly as its endpoint validates it (one declaration feeds both)', async () => {
      const { body: doc } = await t.http().get('/docs-json').expect(200);
      const validated = [RegisterDto, LoginDto, MfaLoginDto, ConfirmTotpDto, ConfirmedChangeDto, ForgotPasswordDto, ResetPasswordDto, ChangePasswordDto, VerifyEmailDto, ResendVerificationDto];
      const documented = new Set<string>();
      for (const operations of Object.values<Record<string, any>>(doc.paths)) {
        for (const operation of Object.values<any>(operations)) {
          const ref: string | undefined = operation.requestBody?.content?.['application/json']?.schema?.$ref;
          if (ref) documented.add(ref.split('/').pop()!);
        }
      }
      // Every body but the refresh token's (read by the transport, cookie or body, not a DTO).
      expect([...documented].sort()).toEqual([...validated.map((dto) => dto.name), 'RefreshTokenBodyDto'].sort());
      const RULES = ['type', 'maxLength', 'minLength', 'pattern', 'format'];
      // The API's own Ajv skips the meta-schema (body-validator.ts): each schema is checked here.
      const withMetaSchema = new Ajv({ strict: true });
      for (const dto of validated) {
        expect({ dto: dto.name, valid: withMetaSchema.validateSchema(schemaOf(textFieldsOf(dto)!)), errors: withMetaSchema.errors ?? null }).toEqual({ dto: dto.name, valid: true, errors: null });
        const shown = doc.components.schemas[dto.name];
        const properties = Object.fromEntries(
          Object.entries<Record<string, unknown>>(shown.properties).map(([key, p]) => [key, Object.fromEntries(RULES.filter((r) => r in p).map((r) => [r, p[r]]))]),
        );
        expect({ dto: dto.name, properties, required: [...(shown.required ?? [])].sort() }).toEqual({
          dto: dto.name,
          ...(({ properties: validatedProperties, required }: any) => ({ properties: validatedProperties, required: [...required].sort() }))(schemaOf(textFieldsOf(dto)!)),
        });
      }
    });

    it('does not load @nestjs/swagger at all when DOCS_ENABLED=false (the production build, a fresh process)', async () => {
      // What the app module and setup load, without starting anything: the DTOs' doc decorators
      // are recorded (src/docs/openapi-decorators.ts), not applied.
      const script = `require('reflect-metadata'); require('./dist/app.module'); require('./dist/app.setup');
        const loaded = (name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'));
        console.log(JSON.stringify({ swagger: loaded('@nestjs/swagger'), common: loaded('@nestjs/common') }));`;
      const env = {
        PATH: process.env.PATH,
        DATABASE_URL: 'postgresql://unused@127.0.0.1:1/unused',
        REDIS_URL: 'redis://127.0.0.1:1',
        JWT_ACCESS_SECRET: 'a'.repeat(40),
        REFRESH_TOKEN_SECRET: 'b'.repeat(40),
        DOCS_ENABLED: 'false',
      };
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), env });
      expect(JSON.parse(stdout)).toEqual({ swagger: false, common: true });
    });

    it('serves the UI at /docs, and nothing when DOCS_ENABLED=false', async () => {
      await t.http().get('/docs').expect(200).expect('Content-Type', /html/);
      const off = await createTestApp({ app: { docsEnabled: false } });
      try {
        expectErrorShape((await off.http().get('/docs-json').expect(404)).body, 404);
      } finally {
        await off.close();
      }
    });
  });

  describe('metrics', () => {
    it('counts logins, refreshes, reuse, revocations and throttling after a flow', async () => {
      // A fresh app: its registry starts at zero.
      const m = await createTestApp({ throttle: { loginFailuresPerAccount: 2 }, auth: { reuseGrace: 0 } });
      try {
        const user = await register(m);
        const pair = await login(m, user.email);
        await m.http().post('/auth/login').send({ email: user.email, password: 'wrong password!' }).expect(401);
        await m.http().post('/auth/login').send({ email: user.email, password: 'wrong password!' }).expect(401);
        await m.http().post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(429);
        const rotated = await refreshBody(m, pair.refreshToken).expect(200);
        await refreshBody(m, rotated.body.refreshToken).expect(200);
        await refreshBody(m, 'x'.repeat(43)).expect(401);
        await refreshBody(m, pair.refreshToken).expect(401); // a rotated token again, no grace: theft

        const metrics = (await m.http().get('/metrics').expect(200).expect('Content-Type', /text\/plain/)).text;
        expect(sample(metrics, 'auth_logins_total{outcome="success"}')).toBe(1);
        expect(sample(metrics, 'auth_logins_total{outcome="rejected"}')).toBe(2);
        expect(sample(metrics, 'auth_logins_total{outcome="throttled"}')).toBe(1);
        expect(sample(metrics, 'auth_throttled_requests_total{limit="login"}')).toBe(1);
        expect(sample(metrics, 'auth_refreshes_total{outcome="success"}')).toBe(2);
        expect(sample(metrics, 'auth_refreshes_total{outcome="rejected"}')).toBe(2);
        expect(sample(metrics, 'auth_refresh_token_reuse_detected_total')).toBe(1);
        expect(sample(metrics, 'auth_sessions_revoked_total{reason="reuse"}')).toBe(1);
        expect(sample(metrics, 'auth_refresh_duration_seconds_count{outcome="success"}')).toBe(2);
        expect(sample(metrics, 'auth_login_duration_seconds_count{outcome="rejected"}')).toBe(2);
        expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
      } finally {
        await m.close();
      }
    });

    it('is off with METRICS_ENABLED=false and needs the bearer METRICS_TOKEN when set', async () => {
      const off = await createTestApp({ app: { metricsEnabled: false } });
      const guarded = await createTestApp({ app: { metricsToken: 'scrape-secret-0123456789' } });
      try {
        expectErrorShape((await off.http().get('/metrics').expect(404)).body, 404);
        expectErrorShape((await guarded.http().get('/metrics').expect(401)).body, 401);
        await guarded.http().get('/metrics').set('Authorization', 'Bearer wrong-secret-0123456789').expect(401);
        await guarded.http().get('/metrics').set('Authorization', 'Bearer scrape-secret-0123456789').expect(200);
      } finally {
        await Promise.all([off.close(), guarded.close()]);
      }
    });
  });

  describe('structured logs', () => {
    it('gives every request an id, echoed in X-Request-Id and in its log record', async () => {
      const res = await t.http().get('/auth/me').set('X-Request-Id', 'trace-abc.123').expect(401);
      expect(res.headers['x-request-id']).toBe('trace-abc.123');
      const generated = await t.http().get('/auth/me').set('X-Request-Id', 'bad id with spaces').expect(401);
      expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      const record = t.logs.records().find((r) => r.req?.id === 'trace-abc.123');
      expect(record).toMatchObject({ req: { method: 'GET', path: '/auth/me' }, res: { statusCode: 401 } });
    });

    it('logs no headers at the default level', async () => {
      const session = await registerAndLogin(t);
      const before = t.logs.lines.length;
      await me(t, session.accessToken).expect(200);
      const record = t.logs.records().slice(before).find((r) => r.req?.path === '/auth/me');
      expect(record).toMatchObject({ req: { method: 'GET', path: '/auth/me' }, res: { statusCode: 200 } });
      expect(record!.req.headers).toBeUndefined();
      expect(record!.res.headers).toBeUndefined();
    });

    it('at debug level logs headers, redacting authorization, cookie, set-cookie and password/token fields', async () => {
      const verbose = await createTestApp({ app: { logLevel: 'debug' } });
      try {
        await redactsCredentials(verbose);
      } finally {
        await verbose.close();
      }
    });

    async function redactsCredentials(t: TestApp): Promise<void> {
      const session = await registerAndLogin(t);
      const before = t.logs.lines.length;
      await me(t, session.accessToken).set('Cookie', `refresh_token=${session.refreshToken}`).expect(200);
      const cookieLogin = await t.http().post('/auth/login').send({ email: session.email, password: PASSWORD }).expect(200);
      const records = t.logs.records().slice(before);
      const text = JSON.stringify(records);
      expect(records.find((r) => r.req?.path === '/auth/me')?.req.headers).toMatchObject({
        authorization: '[redacted]',
        cookie: '[redacted]',
      });
      expect(records.find((r) => r.req?.path === '/auth/login')?.res.headers['set-cookie']).toBe('[redacted]');
      for (const secret of [session.accessToken, session.refreshToken, cookieLogin.body.accessToken, PASSWORD]) {
        expect(text).not.toContain(secret);
      }
    }

    it('writes security events as named records with user and session ids, never a token', async () => {
      const session = await registerAndLogin(t);
      const before = t.logs.lines.length;
      const failed = await t.http().post('/auth/login').send({ email: session.email, password: 'not the password' }).expect(401);
      await t.http().post('/auth/password/forgot').send({ email: session.email }).expect(202);
      await t.http().post('/auth/logout-all').set('Authorization', `Bearer ${session.accessToken}`).expect(204);
      const deadline = Date.now() + 5000; // the reset request is handled after the response
      const events = () => t.logs.records().slice(before).filter((r) => r.event);
      while (!events().some((e) => e.event === 'password_reset_requested') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(events()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            event: 'login_failed',
            userId: session.userId,
            context: 'SecurityEvent',
            requestId: failed.headers['x-request-id'], // ties the event to its access-log record
          }),
          expect.objectContaining({ event: 'password_reset_requested', userId: session.userId, accountFound: true }),
          expect.objectContaining({ event: 'user_revoked', userId: session.userId, reason: 'logout_all', sessionIds: [expect.any(String)] }),
        ]),
      );
      expect(JSON.stringify(events())).not.toContain(session.refreshToken);
    });
  });

  describe('HTTP hardening', () => {
    it('sends the API security headers on every JSON response and the document set on the docs', async () => {
      for (const res of [await t.http().get('/health/live').expect(200), await t.http().get('/auth/me').expect(401)]) {
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'strict-transport-security': 'max-age=31536000; includeSubDomains',
          'referrer-policy': 'no-referrer',
          'cross-origin-resource-policy': 'same-origin',
          'x-request-id': expect.any(String),
          vary: 'Origin',
        });
        const csp = res.headers['content-security-policy'].split(';').map((d: string) => d.trim());
        expect(csp).toEqual(expect.arrayContaining(["default-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]));
        // Browser-document headers mean nothing on JSON.
        expect(res.headers['x-xss-protection']).toBeUndefined();
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
      const docs = await t.http().get('/docs').expect(200);
      expect(docs.headers).toMatchObject({ 'x-frame-options': 'SAMEORIGIN', 'cross-origin-opener-policy': 'same-origin', 'x-content-type-options': 'nosniff' });
      const docsCsp = docs.headers['content-security-policy'].split(';');
      expect(docsCsp).toEqual(expect.arrayContaining(["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]));
    });

    it('takes the client address from X-Forwarded-For only when TRUST_PROXY says so', async () => {
      const proxied = await createTestApp({ app: { trustProxy: 1 } });
      try {
        for (const [app, expected] of [
          [proxied, '203.0.113.7'],
          [t, expect.stringMatching(/127\.0\.0\.1$/)],
        ] as const) {
          const user = await register(app);
          const res = await app.http().post('/auth/login').set('X-Forwarded-For', '203.0.113.7').set('X-Token-Transport', 'body')
            .send({ email: user.email, password: PASSWORD }).expect(200);
          const sessions = await app.http().get('/auth/sessions').set('Authorization', `Bearer ${res.body.accessToken}`).expect(200);
          expect(sessions.body[0].ip).toEqual(expected);
        }
      } finally {
        await proxied.close();
      }
    });

    it('allows CORS with credentials for ALLOWED_ORIGINS only', async () => {
      const allowed = await t.http().options('/auth/refresh').set('Origin', 'https://app.example.test').set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type, x-token-transport').expect(204);
      expect(allowed.headers).toMatchObject({
        'access-control-allow-origin': 'https://app.example.test',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': expect.stringContaining('POST'),
        'access-control-max-age': '600',
      });
      expect(allowed.headers['access-control-allow-headers'].toLowerCase()).toEqual(expect.stringContaining('x-token-transport'));
      expect(allowed.text).toBe('');
      const foreign = await t.http().options('/auth/refresh').set('Origin', 'https://evil.example.test').set('Access-Control-Request-Method', 'POST').expect(204);
      expect(Object.keys(foreign.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      const email = uniqueEmail();
      const simple = await t.http().post('/auth/register').set('Origin', 'https://evil.example.test').send({ email, password: PASSWORD });
      expect(Object.keys(simple.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      // An allowed origin reads the answer and the headers it needs (the request id, Retry-After...).
      const read = await t.http().get('/auth/me').set('Origin', 'https://app.example.test').expect(401);
      expect(read.headers).toMatchObject({ 'access-control-allow-origin': 'https://app.example.test', 'access-control-allow-credentials': 'true' });
      expect(read.headers['access-control-expose-headers']).toEqual(expect.stringContaining('X-Request-Id'));
      expectErrorShape(read.body, 401);
    });
  });
});
