import { registerAs } from '@nestjs/config';
import { splitList } from './env.validation';

/** HTTP-level settings. Read after validateEnv has checked and defaulted process.env. */
export const appConfig = registerAs('app', () => ({
  nodeEnv: process.env.NODE_ENV as 'development' | 'production' | 'test',
  port: Number(process.env.PORT),
  allowedOrigins: splitList(process.env.ALLOWED_ORIGINS),
  cookieSecure: process.env.COOKIE_SECURE !== 'false',
  trustProxy: parseTrustProxy(process.env.TRUST_PROXY),
  appUrl: process.env.APP_URL as string,
  docsEnabled: process.env.DOCS_ENABLED === 'true',
  metricsEnabled: process.env.METRICS_ENABLED !== 'false',
  metricsToken: process.env.METRICS_TOKEN || null,
  shutdownGraceMs: Number(process.env.SHUTDOWN_GRACE_MS),
  logLevel: (process.env.LOG_LEVEL ?? 'log') as 'error' | 'warn' | 'log' | 'debug' | 'verbose',
}));

export type AppConfig = ReturnType<typeof appConfig>;

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}
