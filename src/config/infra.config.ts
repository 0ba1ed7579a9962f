import { splitList } from './env.validation';
import { registerAs } from '@nestjs/config';

export const databaseConfig = registerAs('database', () => databaseSettings(process.env));

/** The database settings from validated variables (a function so tests can derive them too). */
export function databaseSettings(env: NodeJS.ProcessEnv) {
  const url = new URL(env.DATABASE_URL as string);
  // Prisma's flag for "behind a transaction pooler"; `pg` has no use for it, so it is dropped.
  const behindPgBouncer = url.searchParams.get('pgbouncer') === 'true';
  url.searchParams.delete('pgbouncer');
  const explicit = env.DATABASE_PREPARED_STATEMENTS;
  return {
    url: url.toString(),
    poolSize: Number(env.DATABASE_POOL_SIZE ?? 10),
    /** false: every statement is sent unnamed, which any transaction pooler supports. */
    namedStatements: explicit === undefined || explicit === '' ? !behindPgBouncer : explicit === 'true',
  };
}

export const redisConfig = registerAs('redis', () => ({
  /** Standalone server; with sentinel or cluster mode, only its credentials, TLS and db are used. */
  url: process.env.REDIS_URL as string,
  keyPrefix: process.env.REDIS_KEY_PREFIX as string,
  mode: (process.env.REDIS_MODE ?? 'standalone') as 'standalone' | 'sentinel' | 'cluster',
  /** host:port pairs of the sentinels (sentinel mode) or of cluster seed nodes (cluster mode). */
  nodes: splitList(process.env.REDIS_NODES).map((node) => {
    const [host, port] = node.split(':');
    return { host, port: Number(port) };
  }),
  sentinelMaster: process.env.REDIS_SENTINEL_MASTER as string,
}));

export type DatabaseConfig = ReturnType<typeof databaseSettings>;
export type RedisConfig = ReturnType<typeof redisConfig>;

export const mailConfig = registerAs('mail', () => ({
  smtpUrl: process.env.SMTP_URL || null,
  from: process.env.MAIL_FROM as string,
  appUrl: (process.env.APP_URL as string).replace(/\/+$/, ''),
  production: process.env.NODE_ENV === 'production',
}));

export type MailConfig = ReturnType<typeof mailConfig>;
