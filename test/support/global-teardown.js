// Drops the run's database and deletes its Redis keys.
const fs = require('node:fs');
const { Client } = require('pg');
const Redis = require('ioredis').default;

module.exports = async () => {
  const file = process.env.AUTH_TEST_STATE;
  if (!file || !fs.existsSync(file)) return;
  const env = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(file, { force: true });
  if (process.env.KEEP_TEST_DB) return;
  const url = new URL(env.DATABASE_URL);
  const db = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  await admin.end();
  const redis = new Redis(env.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_KEY_PREFIX}*`, 'COUNT', 1000);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
};
