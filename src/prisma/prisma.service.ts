import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { databaseConfig, DatabaseConfig } from '../config/infra.config';
import { PrismaClient } from '../generated/prisma/client';

/** A statement Postgres parses and plans once per connection, then runs by name. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** The one way into Postgres. Prisma 7 has no native engine: it talks through `pg`. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  private readonly pool: Pool;

  constructor(@Inject(databaseConfig.KEY) config: DatabaseConfig) {
    const pool = new Pool({
      connectionString: config.url,
      // Fail fast instead of queueing forever when Postgres is gone; callers answer 503.
      connectionTimeoutMillis: 3000,
      max: config.poolSize,
    });
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
    this.pool = pool;
  }

  async onModuleInit(): Promise<void> {
    await this.$connect();
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }

  /**
   * Runs a named prepared statement on the pool Prisma's adapter uses. Only for the statements
   * of every request (rotation, the guarded user lookup): it skips Prisma's query interpreter
   * and Postgres's parse/plan, a fifth of a guarded request's CPU (BENCHMARKS.md). Rows come as
   * `pg` parses them (timestamptz → Date, uuid → string).
   */
  async prepared<T>(statement: PreparedStatement, values: unknown[]): Promise<T[]> {
    const result = await this.pool.query({ name: statement.name, text: statement.text, values });
    return result.rows as T[];
  }
}
