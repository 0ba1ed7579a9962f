#!/usr/bin/env node
// Runs the Prisma 7 CLI (`npm run prisma -- <args>`). `generate` never executes the native
// schema engine but insists that it exists, and it cannot be downloaded on an offline machine:
// point it at any existing file unless the caller chose one.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const cli = path.join(__dirname, '..', 'node_modules', 'prisma', 'build', 'index.js');
const env = { PRISMA_HIDE_UPDATE_MESSAGE: '1', ...process.env };
if (process.argv[2] === 'generate') env.PRISMA_SCHEMA_ENGINE_BINARY ??= process.execPath;
const { status } = spawnSync(process.execPath, [cli, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(status ?? 1);
