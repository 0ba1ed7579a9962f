const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');

const stateFileFor = (pid) => path.join(os.tmpdir(), `nest-auth-test-run-${pid}.json`);

/** The environment every integration/e2e test runs with: its own database and Redis prefix. */
function baseEnv(runId) {
  const pgBase = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'log', // captured in memory: the level production uses by default
    DATABASE_URL: `${pgBase}/auth_test_${runId}`,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: `test:${runId}:`,
    JWT_ACCESS_SECRET: 'test-access-secret-0123456789-abcdef',
    REFRESH_TOKEN_SECRET: 'test-refresh-secret-0123456789-abcdef',
    ALLOWED_ORIGINS: 'http://localhost:5173',
    COOKIE_SECURE: 'true',
    // Every test registers its users from 127.0.0.1; the registration limit has its own tests.
    REGISTER_MAX_PER_IP: '1000000',
  };
}

module.exports = { baseEnv, stateFileFor, fs };
