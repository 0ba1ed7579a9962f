import { registerAs } from '@nestjs/config';
import { environment, splitList } from './env.validation';

export const redisConfig = registerAs('redis', () => {
  const env = environment();
  return {
    /** Standalone server; with sentinel or cluster mode, only its credentials, TLS and db are used. */
    url: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    mode: env.REDIS_MODE,
    /** host:port pairs of the sentinels (sentinel mode) or of cluster seed nodes (cluster mode). */
    nodes: splitList(env.REDIS_NODES).map((node) => {
      const [host, port] = node.split(':');
      return { host, port: Number(port) };
    }),
    sentinelMaster: env.REDIS_SENTINEL_MASTER,
  };
});

export type RedisConfig = ReturnType<typeof redisConfig>;
