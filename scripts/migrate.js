#!/usr/bin/env node
// Applies prisma/migrations/<name>/migration.sql in order and records each one in
// `_prisma_migrations` exactly as `prisma migrate deploy` does (same table, same sha256
// checksum), so `prisma migrate status/deploy` on a machine with the native engine agrees.
// Needed because the Prisma 7 CLI cannot run migrations without downloading that engine.
// Creates the database when it does not exist. Safe to run from several instances at once.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'prisma', 'migrations');
// Any constant works; it only has to be the same for every instance running this script.
const MIGRATION_LOCK_KEY = 72707369;

const PRISMA_MIGRATIONS_DDL = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

function readMigrations() {
  return fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(MIGRATIONS_DIR, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

/** Runs `work` on a connection to the server's `postgres` database, with the target's quoted name. */
async function withAdminConnection(databaseUrl, work) {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    return await work(admin, dbName, `"${dbName.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

function createDatabaseIfMissing(databaseUrl) {
  return withAdminConnection(databaseUrl, async (admin, dbName, quoted) => {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (rowCount !== 0) return false;
    await admin.query(`CREATE DATABASE ${quoted}`).catch((err) => {
      // Created meanwhile by another instance: 42P04, or 23505 when both inserted the catalog
      // row at the same moment.
      if (err.code !== '42P04' && err.code !== '23505') throw err;
    });
    return true;
  });
}

/** Drops the database of `databaseUrl` (tests and benchmarks), closing its connections first. */
function dropDatabase(databaseUrl) {
  return withAdminConnection(databaseUrl, (admin, _dbName, quoted) => admin.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`));
}

/** Returns the names of the migrations it applied. */
async function migrate(databaseUrl, log = console.log) {
  if (!databaseUrl) throw new Error('DATABASE_URL is not set');
  if (await createDatabaseIfMissing(databaseUrl)) log('created database');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const applied = [];
  // One transaction with a transaction-level advisory lock: two deploys never migrate at once,
  // a failure leaves nothing half-applied, and it works through PgBouncer in transaction mode
  // (no session state). Migrations must therefore be transactional (no CONCURRENTLY).
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(PRISMA_MIGRATIONS_DDL);
    const { rows } = await client.query(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const done = new Map(rows.map((r) => [r.migration_name, r]));
    for (const m of readMigrations()) {
      const row = done.get(m.name);
      if (row && !row.finished_at) throw new Error(`migration ${m.name} failed earlier; fix the database and mark it rolled back`);
      if (row && row.checksum !== m.checksum) throw new Error(`migration ${m.name} was edited after it was applied`);
      if (row) continue;
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.name} failed: ${err.message}`);
      }
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), now(), 1)`,
        [crypto.randomUUID(), m.checksum, m.name],
      );
      applied.push(m.name);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  for (const name of applied) log(`applied ${name}`);
  return applied;
}

module.exports = { migrate, readMigrations, dropDatabase };

if (require.main === module) {
  require('dotenv').config({ quiet: true });
  migrate(process.env.DATABASE_URL)
    .then((applied) => console.log(applied.length ? `migrations applied: ${applied.length}` : 'database is up to date'))
    .catch((err) => {
      console.error(`migrate: ${err.message}`);
      process.exit(1);
    });
}
