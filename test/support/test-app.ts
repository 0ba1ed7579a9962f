import { INestApplication, PipeTransform } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types';
import { AppModule } from '../../src/app.module';
import { configureApp, createHttpAdapter, NEST_APP_OPTIONS } from '../../src/app.setup';
import { appConfig, AppConfig } from '../../src/config/app.config';
import { authConfig, AuthConfig, dpopConfig, DpopConfig, mfaConfig, MfaConfig, throttleConfig, ThrottleConfig } from '../../src/config/auth.config';
import { LOG_DESTINATION } from '../../src/logging/logging.module';
import { databaseConfig, DatabaseConfig } from '../../src/config/database.config';
import { mailConfig, MailConfig } from '../../src/config/mail.config';
import { redisConfig, RedisConfig } from '../../src/config/redis.config';
import { PrismaService } from '../../src/prisma/prisma.service';
import { RedisService } from '../../src/redis/redis.service';

export interface TestAppOptions {
  auth?: Partial<AuthConfig>;
  app?: Partial<AppConfig>;
  redis?: Partial<RedisConfig>;
  database?: Partial<DatabaseConfig>;
  throttle?: Partial<ThrottleConfig>;
  mail?: Partial<MailConfig>;
  dpop?: Partial<DpopConfig>;
  mfa?: Partial<MfaConfig>;
  /** Global pipes a host application adds after `configureApp` (its own ValidationPipe, say). */
  hostPipes?: PipeTransform[];
}

/**
 * Receives every JSON log line the app writes (the real pino logger, redaction included),
 * so tests can assert on events and on leaks.
 */
export class CapturingLogger {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line.trimEnd());
  }
  /** The parsed records; `msg` holds the message, `level` pino's number (30 info, 40 warn, 50 error). */
  records(): Array<Record<string, any>> {
    return this.lines.map((l) => JSON.parse(l));
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestApp {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  prisma: PrismaService;
  redis: RedisService;
  logs: CapturingLogger;
  close: () => Promise<void>;
}

/** The real application (real Postgres, real Redis), with config overrides per test file. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const builder = Test.createTestingModule({ imports: [AppModule] });
  if (options.auth) builder.overrideProvider(authConfig.KEY).useValue({ ...authConfig(), ...options.auth });
  if (options.app) builder.overrideProvider(appConfig.KEY).useValue({ ...appConfig(), ...options.app });
  if (options.database) builder.overrideProvider(databaseConfig.KEY).useValue({ ...databaseConfig(), ...options.database });
  if (options.throttle) builder.overrideProvider(throttleConfig.KEY).useValue({ ...throttleConfig(), ...options.throttle });
  if (options.mail) builder.overrideProvider(mailConfig.KEY).useValue({ ...mailConfig(), ...options.mail });
  if (options.dpop) builder.overrideProvider(dpopConfig.KEY).useValue({ ...dpopConfig(), ...options.dpop });
  if (options.mfa) builder.overrideProvider(mfaConfig.KEY).useValue({ ...mfaConfig(), ...options.mfa });
  if (options.redis) builder.overrideProvider(redisConfig.KEY).useValue({ ...redisConfig(), ...options.redis });
  const logs = new CapturingLogger();
  builder.overrideProvider(LOG_DESTINATION).useValue(logs);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter({ ...appConfig(), ...options.app }), NEST_APP_OPTIONS);
  try {
    await configureApp(app);
    if (options.hostPipes) app.useGlobalPipes(...options.hostPipes);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (err) {
    await app.close().catch(() => undefined); // release the connections opened before the failure
    throw err;
  }
  const server = app.getHttpServer() as App;
  return {
    app,
    http: () => request(server),
    prisma: app.get(PrismaService),
    redis: app.get(RedisService),
    logs,
    close: () => app.close(),
  };
}

export const uniqueEmail = () => `user-${randomUUID()}@example.test`;
export const PASSWORD = 'correct horse battery staple';
const BODY = { 'X-Token-Transport': 'body' };

export interface Session {
  userId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
}

export async function register(t: TestApp, email = uniqueEmail()): Promise<{ id: string; email: string }> {
  const res = await t.http().post('/auth/register').send({ email, password: PASSWORD }).expect(201);
  return res.body;
}

/** Logs in with the body transport (mobile style) and returns the pair. */
export async function login(t: TestApp, email: string): Promise<Omit<Session, 'userId' | 'email'>> {
  const res = await t.http().post('/auth/login').set(BODY).send({ email, password: PASSWORD }).expect(200);
  return { accessToken: res.body.accessToken, refreshToken: res.body.refreshToken };
}

export async function registerAndLogin(t: TestApp): Promise<Session> {
  const user = await register(t);
  return { userId: user.id, email: user.email, ...(await login(t, user.email)) };
}

export function refreshBody(t: TestApp, refreshToken: unknown) {
  return t.http().post('/auth/refresh').set(BODY).send({ refreshToken });
}

export function me(t: TestApp, accessToken: string) {
  return t.http().get('/auth/me').set('Authorization', `Bearer ${accessToken}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asserts the contract's error shape and that nothing internal leaks. */
export function expectErrorShape(body: any, status: number) {
  expect(body).toEqual({ statusCode: status, error: expect.any(String), message: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\(.+:\d+:\d+\)|SELECT |INSERT |UPDATE |prisma/i);
}
