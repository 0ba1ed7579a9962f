import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Data read once at start-up is let go of (src/common/module-cache.ts), and what was built from
// it keeps working. In a fresh process of the production build: under Jest, modules live in
// Jest's own registry, not in Node's module cache.
describe('start-up data the API lets go of (the production build, a fresh process)', () => {
  const run = async (script: string) => {
    const env = { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL! };
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', `require('reflect-metadata');
      const cached = (pattern) => Object.keys(require.cache).some((f) => pattern.test(f));
      (async () => { ${script} })();`], { cwd: join(__dirname, '..', '..'), env });
    return JSON.parse(stdout);
  };

  it("Prisma's query compiler source (base64 wasm) once connected; model queries still run", async () => {
    const result = await run(`
      const { PrismaService } = require('./dist/prisma/prisma.service');
      const { PreparedStatements } = require('./dist/prisma/prepared-statements');
      const prisma = new PrismaService(new PreparedStatements({ url: process.env.DATABASE_URL, poolSize: 2, namedStatements: true }));
      await prisma.onModuleInit();
      const users = await prisma.user.count();
      const sessions = await prisma.session.findMany({ take: 1, select: { id: true } });
      console.log(JSON.stringify({ compilerSourceCached: cached(/query_compiler_.*wasm-base64/), users: typeof users, sessions: Array.isArray(sessions) }));
      await prisma.onModuleDestroy();`);
    expect(result).toEqual({ compilerSourceCached: false, users: 'number', sessions: true });
  });

  it('the zxcvbn-ts package once the common-password list is built; the list still refuses', async () => {
    const result = await run(`
      const { passwordProblem } = require('./dist/auth/passwords/password-policy');
      console.log(JSON.stringify({
        zxcvbnCached: cached(/@zxcvbn-ts/),
        common: ['password', 'Qwerty123', 'iloveyou'].map((p) => passwordProblem(p, 'a@example.com')),
        fine: passwordProblem('correct horse battery staple', 'a@example.com'),
      }));`);
    expect(result).toEqual({ zxcvbnCached: false, common: Array(3).fill('password is too common'), fine: null });
  });

  it('Joi once the environment is validated; a second validation still works', async () => {
    const result = await run(`
      const { validateEnv } = require('./dist/config/env.validation');
      const env = { DATABASE_URL: 'postgresql://a@127.0.0.1/db', REDIS_URL: 'redis://127.0.0.1', JWT_ACCESS_SECRET: 'a'.repeat(40), REFRESH_TOKEN_SECRET: 'b'.repeat(40) };
      const first = validateEnv(env);
      const joiCached = cached(/[\\\\/]node_modules[\\\\/](joi|@hapi)[\\\\/]/);
      let second;
      try { validateEnv({ ...env, PORT: 'x' }); } catch (e) { second = e.message; }
      console.log(JSON.stringify({ port: first.PORT, joiCached, second }));`);
    expect(result).toEqual({ port: 3000, joiCached: false, second: 'Invalid configuration: "PORT" must be a number' });
  });
});

// Every loaded file's text stays on the V8 heap for the life of the process, at two bytes a
// character if one of them is outside Latin-1 (tsconfig.json, README "The build is lean").
describe('the production build', () => {
  const dist = join(__dirname, '..', '..', 'dist');
  const files = (readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith('.js'));

  it.each([
    ['a character outside Latin-1', /[^\x00-\xff]/],
    ['a comment block', /^\s*\/\*\*/m],
    ["a copy of one of tslib's helpers", /^var __(decorate|metadata|param|importDefault|createBinding) = /m],
  ])('has no file with %s', (_what, pattern) => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => pattern.test(readFileSync(join(dist, f), 'utf8')))).toEqual([]);
  });
});
