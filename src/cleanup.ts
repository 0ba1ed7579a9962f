import { TokenCleanupService } from './auth/cleanup/token-cleanup.service';
import { runCommand } from './command';

/** `npm run cleanup`: one cleanup run from the command line, no HTTP server. */
runCommand(async (app) => {
  const result = await app.get(TokenCleanupService).run();
  if (result.status === 'done') {
    for (const t of result.tables) console.log(`${t.table}: deleted ${t.deleted} rows in ${t.batches} batches (${t.durationMs} ms)`);
    console.log(`total: ${result.durationMs} ms`);
    return 0;
  }
  console.error(result.status === 'skipped' ? `skipped: ${result.reason}` : `failed: ${result.error}`);
  return result.status === 'skipped' ? 0 : 1;
});
