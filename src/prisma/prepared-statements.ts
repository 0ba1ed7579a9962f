import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { databaseConfig, DatabaseConfig } from '../config/database.config';

/** A statement Postgres parses and plans once per connection, then runs by name. */
export interface PreparedStatement {
  name: string;
  text: string;
}

const firstRowOf = <T>(result: { rows: unknown[] }): T | null => (result.rows[0] as T | undefined) ?? null;

/**
 * The `pg` pool Prisma's adapter runs on (PrismaService), and the statements of every request
 * (rotation, login, the guarded user lookup) run on it directly, skipping Prisma's query
 * interpreter. A provider of its own rather than methods of PrismaService: Prisma 7's client is
 * a Proxy, and every property read through it (the method, the pool, the flag) cost these
 * requests ~80 ns against ~2 on a plain object (BENCHMARKS.md, "Decisions").
 */
@Injectable()
export class PreparedStatements {
  readonly pool: Pool;
  private readonly namedStatements: boolean;

  constructor(@Inject(databaseConfig.KEY) config: DatabaseConfig) {
    this.pool = new Pool({
      connectionString: config.url,
      // Fail fast instead of queueing forever when Postgres is gone; callers answer 503.
      connectionTimeoutMillis: 3000,
      max: config.poolSize,
    });
    this.namedStatements = config.namedStatements;
  }

  /**
   * Named, Postgres parses and plans the statement once per connection, a fifth of a guarded
   * request's CPU (BENCHMARKS.md); but a named statement lives on one server connection, which a
   * transaction pooler does not pin to us (`prepared statement "..." already exists`), so with
   * `namedStatements` off it goes unnamed. Returns the statement's first row (null: none), as
   * `pg` parses it (timestamptz -> Date, uuid -> string). Not an async function, nor are its
   * callers on the hot paths: each async layer costs every request a promise and a microtask
   * (BENCHMARKS.md, "Decisions").
   */
  firstRow<T>(statement: PreparedStatement, values: unknown[]): Promise<T | null> {
    const query = this.namedStatements
      ? this.pool.query({ name: statement.name, text: statement.text, values })
      : this.pool.query(statement.text, values);
    return query.then(firstRowOf<T>);
  }
}
