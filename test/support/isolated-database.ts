// eslint-disable-next-line @typescript-eslint/no-require-imports
const migrator = require('../../scripts/migrate');
const { migrate } = migrator;

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

/** Drops a database of this run (closing its connections first). */
export const dropDatabase: (databaseUrl: string) => Promise<void> = migrator.dropDatabase;
