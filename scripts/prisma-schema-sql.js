#!/usr/bin/env node
// Prints the SQL that turns one Prisma schema into another, offline.
//
//   node scripts/prisma-schema-sql.js                    # empty database -> prisma/schema.prisma
//   node scripts/prisma-schema-sql.js <old.prisma>       # old schema -> prisma/schema.prisma
//
// The Prisma 7 CLI needs a native schema engine that cannot be downloaded here, so this runs
// the WebAssembly engine of the Prisma 6.19 CLI (devDependency `prisma-wasm-cli`). `diff` between
// two schema files never touches a database. Write the output to
// prisma/migrations/<yyyymmddhhmmss>_<name>/migration.sql to add a migration.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'node_modules', 'prisma-wasm-cli', 'build', 'index.js');

/** Prisma 6 wants `url` in the datasource block; Prisma 7 takes it from prisma.config.ts. */
function withUrl(schemaFile, dir) {
  const text = fs.readFileSync(schemaFile, 'utf8');
  const out = path.join(dir, path.basename(schemaFile).replace(/\.prisma$/, '') + `-${fs.readdirSync(dir).length}.prisma`);
  fs.writeFileSync(out, text.replace(/provider\s*=\s*"postgresql"/, '$&\n  url = env("DATABASE_URL")'));
  return out;
}

function schemaSql(fromSchema) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prisma-sql-'));
  try {
    const to = withUrl(path.join(root, 'prisma', 'schema.prisma'), dir);
    const from = fromSchema ? ['--from-schema-datamodel', withUrl(fromSchema, dir)] : ['--from-empty'];
    return execFileSync(
      process.execPath,
      [cli, 'migrate', 'diff', '--config', path.join(root, 'prisma', 'wasm-engine.config.ts'), ...from, '--to-schema-datamodel', to, '--script'],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
          // diff between schema files never runs these engines; pointing at any file stops a download.
          PRISMA_QUERY_ENGINE_LIBRARY: process.execPath,
          PRISMA_SCHEMA_ENGINE_BINARY: process.execPath,
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
        },
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { schemaSql };

if (require.main === module) process.stdout.write(schemaSql(process.argv[2]));
