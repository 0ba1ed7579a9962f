// Unit tests sit beside the code (src/**/*.spec.ts); integration and e2e tests under test/
// talk to the real Postgres and Redis, in a database and key prefix created for this run.
// NestJS 12 ships ES modules only; Node 20 can require() them but Jest cannot, so Jest
// compiles those packages to CommonJS along with our TypeScript (@fastify/cookie imports the
// ESM-only `cookie` with a dynamic import, which Jest's CommonJS runtime cannot run).
const ESM_PACKAGES = ['@nestjs', 'jose', '@fastify/cookie', 'cookie', 'content-disposition', 'file-type', 'strtok3', 'token-types', 'peek-readable', 'uint8array-extras', 'load-esm', '@tokenizer'];
const transform = { '^.+\\.(ts|js|mjs)$': ['@swc/jest'] };
const common = {
  transform,
  // Skip node_modules unless the path goes through one of ESM_PACKAGES (nested copies included).
  transformIgnorePatterns: [`^(?!.*/node_modules/(${ESM_PACKAGES.join('|')})/).*/node_modules/`],
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};

module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/unit/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts', '<rootDir>/test/integration/**/*.spec.ts'],
      setupFiles: ['<rootDir>/test/support/load-env.js'],
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
      setupFiles: ['<rootDir>/test/support/load-env.js'],
    },
  ],
};
