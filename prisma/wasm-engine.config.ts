// Config for the Prisma 6.19 CLI (devDependency `prisma-wasm-cli`), used only for
// `migrate diff`: its WebAssembly schema engine runs offline, where the Prisma 7 CLI
// must download a native engine. See README "Migrations".
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma-wasm-cli/config';

export default defineConfig({
  engine: 'js',
  experimental: { adapter: true },
  schema: 'schema.prisma',
  adapter: async () =>
    new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' }),
} as Parameters<typeof defineConfig>[0]);
