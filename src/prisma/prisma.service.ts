import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { forgetModules } from '../common/module-cache';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { Prisma, PrismaClient } from '../generated/prisma/client';

/** A statement Postgres parses and plans once per connection, then runs by name. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** Prisma's query compiler ships as wasm inside a JS module, one base64 string (2.3 MiB). */
const QUERY_COMPILER_SOURCE = /[\\/]@prisma[\\/]client[\\/]runtime[\\/]query_compiler_[^\\/]*\.wasm-base64\.js$/;

const firstRow = <T>(result: { rows: unknown[] }): T | null => (result.rows[0] as T | undefined) ?? null;

/** The one way into Postgres. Prisma 7 has no native engine: it talks through `pg`. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  private readonly pool: Pool;
  private readonly namedStatements: boolean;

  constructor(@Inject(databaseConfig.KEY) config: DatabaseConfig) {
    const pool = new Pool({
      connectionString: config.url,
      // Fail fast instead of queueing forever when Postgres is gone; callers answer 503.
      connectionTimeoutMillis: 3000,
      max: config.poolSize,
    });
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    this.pool = pool;
    this.namedStatements = config.namedStatements;
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
    // The wasm is compiled now and the string is never read again, yet Node's module cache
    // would keep it on the heap for good.
    forgetModules(QUERY_COMPILER_SOURCE);
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }

  /**
   * Runs a statement of every request (rotation, login, the guarded user lookup) on the pool
   * Prisma's adapter uses, skipping Prisma's query interpreter. Named, Postgres parses and plans
   * it once per connection, a fifth of a guarded request's CPU (BENCHMARKS.md); but a named
   * statement lives on one server connection, which a transaction pooler does not pin to us
   * (`prepared statement "…" already exists`), so with `namedStatements` off it goes unnamed.
   * Returns the statement's first row (null: none), as `pg` parses it (timestamptz → Date, uuid →
   * string). Not an async function, nor are its callers on the hot paths: each async layer costs
   * every request a promise and a microtask (BENCHMARKS.md, "Decisions").
   */
  preparedRow<T>(statement: PreparedStatement, values: unknown[]): Promise<T | null> {
    const query = this.namedStatements
      ? this.pool.query({ name: statement.name, text: statement.text, values })
      : this.pool.query(statement.text, values);
    return query.then(firstRow<T>);
  }

  /**
   * Stores a new single-use mailed token of a user (reset link, verification link); the user's
   * earlier unused ones of that table stop working (superseded), in one transaction.
   */
  async replaceUnusedToken(table: 'password_resets' | 'email_verifications', userId: string, tokenHash: Buffer, ttlSeconds: number): Promise<void> {
    const t = Prisma.raw(table);
    await this.$transaction([
      this.$executeRaw`DELETE FROM ${t} WHERE user_id = ${userId}::uuid AND used_at IS NULL`,
      this.$executeRaw`
        INSERT INTO ${t} (id, user_id, token_hash, expires_at)
        VALUES (gen_random_uuid(), ${userId}::uuid, ${tokenHash}, now() + make_interval(secs => ${ttlSeconds}))`,
    ]);
  }

  /**
   * One bounded DELETE, for the cleanup job's purges. `FOR UPDATE SKIP LOCKED` never waits for a
   * row a request's transaction holds (a logout revoking it): the next run takes that row. Each
   * statement commits on its own, so no lock outlives a batch. `table` is a repository's
   * constant, never input.
   */
  deleteBatch(table: 'refresh_tokens' | 'password_resets' | 'sessions' | 'email_verifications', where: Prisma.Sql, limit: number): Promise<number> {
    const t = Prisma.raw(table);
    return this.$executeRaw`DELETE FROM ${t} WHERE id IN (SELECT id FROM ${t} WHERE ${where} LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
  }
}
