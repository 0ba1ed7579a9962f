import { normalizeEmail } from './auth/dto/credentials.dto';
import { SessionRevocationService } from './auth/tokens/session-revocation.service';
import { runCommand } from './command';
import { UsersRepository } from './users/users.repository';

/**
 * `npm run sessions:end -- <email or user id>`: ends every session of one account, as
 * logout-all does (refresh tokens refused at once, access tokens at their next request, on
 * every instance), for an operator answering a compromised account.
 */
const USAGE = 'usage: npm run sessions:end -- <email or user id>';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const args = process.argv.slice(2);
if (args.length !== 1 || !args[0].trim()) {
  console.error(USAGE);
  process.exit(2);
}
const account = args[0].trim();
const key = UUID.test(account) ? { id: account } : { email: normalizeEmail(account) };

runCommand(async (app) => {
  const userId = await app.get(UsersRepository).findAccountId(key);
  if (!userId) {
    console.error(`No account with ${'id' in key ? 'the id' : 'the email'} ${account}`);
    return 1;
  }
  const ended = await app.get(SessionRevocationService).endAllSessions(userId, 'admin');
  console.log(`ended ${ended.length} session(s) of user ${userId}`);
  return 0;
});
