import { registerAs } from '@nestjs/config';
import { environment, splitList } from './env.validation';

/** HTTP-level settings, from the validated environment. */
export const appConfig = registerAs('app', () => {
  const env = environment();
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    allowedOrigins: splitList(env.ALLOWED_ORIGINS),
    cookieSecure: env.COOKIE_SECURE,
    trustProxy: env.TRUST_PROXY,
    docsEnabled: env.DOCS_ENABLED,
    metricsEnabled: env.METRICS_ENABLED,
    metricsToken: env.METRICS_TOKEN || null,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    logLevel: env.LOG_LEVEL,
  };
});

export type AppConfig = ReturnType<typeof appConfig>;
