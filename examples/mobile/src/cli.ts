import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DpopKeyFile } from './dpop-key-file';
import { FileTokenStore, MobileAuthClient, ReloginRequiredError } from './mobile-auth-client';

const USAGE = `usage: npm run example:mobile -- <command>
  register <email> <password>   create an account and sign in
  login <email> <password> [code]  sign in (stores the refresh token); code: from the
                                authenticator app, or a recovery code, if the account has one
  me                            call GET /auth/me (refreshes when needed)
  sessions                      list this account's sessions
  logout                        end this session and forget the token
env: API_URL (default http://localhost:3000), TOKEN_STORE (default ~/.auth-example/refresh-token.json)
The session is bound (DPoP) to a P-256 key kept in dpop-key.json beside the token store.`;

async function main([command, ...args]: string[]): Promise<number> {
  const store = new FileTokenStore(process.env.TOKEN_STORE ?? join(homedir(), '.auth-example', 'refresh-token.json'));
  const key = new DpopKeyFile(join(dirname(store.path), 'dpop-key.json'));
  const client = new MobileAuthClient(process.env.API_URL ?? 'http://localhost:3000', store, key);
  switch (command) {
    case 'register':
      await client.register(args[0], args[1]);
      await client.login(args[0], args[1]);
      console.log(`signed in; refresh token stored in ${store.path}`);
      return 0;
    case 'login': {
      const { mfaRequired } = await client.login(args[0], args[1]);
      if (mfaRequired) {
        if (!args[2]) {
          console.log('this account has a second factor: npm run example:mobile -- login <email> <password> <code>');
          return 2;
        }
        await client.verifyMfa(/^\d{6}$/.test(args[2]) ? { code: args[2] } : { recoveryCode: args[2] });
      }
      console.log(`signed in; refresh token stored in ${store.path}`);
      return 0;
    }
    case 'me':
      console.log(await client.request('/auth/me'));
      return 0;
    case 'sessions':
      console.table(await client.request('/auth/sessions'));
      return 0;
    case 'logout':
      await client.logout();
      console.log('signed out');
      return 0;
    default:
      console.log(USAGE);
      return command ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(err instanceof ReloginRequiredError ? `${err.message} (npm run example:mobile -- login <email> <password>)` : err.message);
    process.exit(1);
  },
);
