import { Client } from 'pg';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { migrate } = require('../../scripts/migrate');

/**
 * A migrated database of its own, for tests whose work spans whole tables (the cleanup job)
 * and would disturb the other test files sharing the run's database.
 */
export async function createIsolatedDatabase(suffix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `${url.pathname}_${suffix}`;
  await dropDatabase(url.toString());
  await migrate(url.toString(), () => undefined);
  return { url: url.toString(), drop: () => dropDatabase(url.toString()) };
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
