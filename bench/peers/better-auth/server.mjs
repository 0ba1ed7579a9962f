// Peer for `npm run bench` (bench/better-auth.js): Better Auth with its defaults, email and
// password, on Postgres (its own database, its own migrations), served by a bare Node http server.
// Installed apart from the product (its optional peer dependencies do not resolve with ours):
// bench/better-auth.js runs `npm ci` here on first use.
import http from 'node:http';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import pg from 'pg';

const port = Number(process.env.PORT);
const auth = betterAuth({
  database: new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }),
  secret: process.env.BETTER_AUTH_SECRET,
  baseURL: `http://127.0.0.1:${port}`,
  emailAndPassword: { enabled: true },
  rateLimit: { enabled: false },
  session: { cookieCache: { enabled: process.env.COOKIE_CACHE === 'true', maxAge: 300 } },
  telemetry: { enabled: false },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();
const handler = toNodeHandler(auth);
http.createServer((req, res) => (req.url === '/health' ? res.end('ok') : handler(req, res))).listen(port, '127.0.0.1');
