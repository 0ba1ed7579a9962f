// Drops the run's database and deletes its Redis keys.
const fs = require('node:fs');
const Redis = require('ioredis').default;
const { dropDatabase } = require('../../scripts/migrate');

module.exports = async () => {
  const file = process.env.AUTH_TEST_STATE;
  if (!file || !fs.existsSync(file)) return;
  const env = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.rmSync(file, { force: true });
  if (process.env.KEEP_TEST_DB) return;
  await dropDatabase(env.DATABASE_URL);
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
