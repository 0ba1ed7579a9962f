import { registerAs } from '@nestjs/config';

export const databaseConfig = registerAs('database', () => ({
  url: process.env.DATABASE_URL as string,
  poolSize: Number(process.env.DATABASE_POOL_SIZE),
}));

export const redisConfig = registerAs('redis', () => ({
  url: process.env.REDIS_URL as string,
  keyPrefix: process.env.REDIS_KEY_PREFIX as string,
}));

export type DatabaseConfig = ReturnType<typeof databaseConfig>;
export type RedisConfig = ReturnType<typeof redisConfig>;
