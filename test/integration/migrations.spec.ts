import { createHash } from 'node:crypto';
import { Client } from 'pg';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { migrate, readMigrations, dropDatabase } = require('../../scripts/migrate');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { schemaSql } = require('../../scripts/prisma-schema-sql');

/** Columns, indexes and constraints of the public schema, normalised for comparison. */
async function describeSchema(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const columns = await client.query(`
      SELECT table_name, column_name, data_type, character_maximum_length, datetime_precision, is_nullable, column_default
        FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    const indexes = await client.query(`
      SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`);
    const constraints = await client.query(`
      SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> '_prisma_migrations'`);
    return [
      ...columns.rows.map((r) => `column ${JSON.stringify(r)}`),
      ...indexes.rows.map((r) => `index ${r.indexdef}`),
      ...constraints.rows.map((r) => `constraint ${r.tbl} ${r.conname} ${r.def}`),
    ].sort();
  } finally {
    await client.end();
  }
}

async function withFreshDatabase<T>(name: string, fn: (url: string) => Promise<T>): Promise<T> {
  const base = new URL(process.env.DATABASE_URL!);
  const admin = new URL(base.toString());
  admin.pathname = '/postgres';
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  await dropDatabase(url.toString());
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  try {
    return await fn(url.toString());
  } finally {
    await dropDatabase(url.toString());
  }
}

describe('migrations', () => {
  it('build exactly the schema that schema.prisma describes (no drift)', async () => {
    const fromMigrations = await describeSchema(process.env.DATABASE_URL!);
    const sql: string = schemaSql();
    const fromSchema = await withFreshDatabase(`${new URL(process.env.DATABASE_URL!).pathname.slice(1)}_schema`, async (url) => {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query(sql);
      await client.end();
      return describeSchema(url);
    });
    expect(fromMigrations.length).toBeGreaterThan(30);
    expect(fromMigrations).toEqual(fromSchema);
  }, 60000);

  it('are recorded in _prisma_migrations the way prisma migrate deploy records them', async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at, applied_steps_count, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
    );
    await client.end();
    const files = readMigrations();
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((m: { name: string }) => m.name));
    for (const [i, m] of files.entries()) {
      expect(rows[i].checksum).toBe(createHash('sha256').update(m.sql).digest('hex'));
      expect(rows[i].finished_at).toBeInstanceOf(Date);
      expect(rows[i].applied_steps_count).toBe(1);
      expect(rows[i].rolled_back_at).toBeNull();
    }
  });

  it('apply nothing twice and refuse a migration edited after it was applied', async () => {
    await expect(migrate(process.env.DATABASE_URL, () => undefined)).resolves.toEqual([]);
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const name = readMigrations()[0].name;
    const { rows } = await client.query('SELECT checksum FROM _prisma_migrations WHERE migration_name = $1', [name]);
    await client.query('UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', ['0'.repeat(64), name]);
    try {
      await expect(migrate(process.env.DATABASE_URL, () => undefined)).rejects.toThrow(/edited after it was applied/);
    } finally {
      await client.query('UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2', [rows[0].checksum, name]);
      await client.end();
    }
  });

  it('migrate once when several deploys run at the same time (transaction-level lock)', async () => {
    await withFreshDatabase(`auth_migrate_race_${process.pid}`, async (url) => {
      const runs = await Promise.all([1, 2, 3].map(() => migrate(url, () => undefined)));
      const names = readMigrations().map((m: { name: string }) => m.name);
      expect(runs.flat().sort()).toEqual([...names].sort()); // each migration applied by exactly one run
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1 ORDER BY 1');
        expect(rows).toEqual(names.map((migration_name: string) => ({ migration_name, n: 1 })));
      } finally {
        await client.end();
      }
    });
  });

  it('leave nothing behind when a migration fails', async () => {
    await withFreshDatabase(`auth_migrate_fail_${process.pid}`, async (url) => {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('CREATE TABLE users (id int)'); // the first migration's CREATE TABLE users fails
        await expect(migrate(url, () => undefined)).rejects.toThrow(/failed: relation "users" already exists/);
        const { rows } = await client.query(`SELECT to_regclass('public._prisma_migrations') AS t, to_regclass('public.sessions') AS s`);
        expect(rows[0]).toEqual({ t: null, s: null }); // rolled back as a whole
      } finally {
        await client.end();
      }
    });
  });
});

