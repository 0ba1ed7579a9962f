import { registerAs } from '@nestjs/config';
import { environment, Environment } from './env.validation';

export const databaseConfig = registerAs('database', () => databaseSettings(environment()));

/** The database settings from a validated environment (a function so tests can derive them too). */
export function databaseSettings(env: Pick<Environment, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATABASE_PREPARED_STATEMENTS'>) {
  const url = new URL(env.DATABASE_URL);
  // Prisma's flag for "behind a transaction pooler"; `pg` has no use for it, so it is dropped.
  const behindPgBouncer = url.searchParams.get('pgbouncer') === 'true';
  url.searchParams.delete('pgbouncer');
  return {
    url: url.toString(),
    poolSize: env.DATABASE_POOL_SIZE,
    /** false: every statement is sent unnamed, which any transaction pooler supports. */
    namedStatements: env.DATABASE_PREPARED_STATEMENTS ?? !behindPgBouncer,
  };
}

export type DatabaseConfig = ReturnType<typeof databaseSettings>;
