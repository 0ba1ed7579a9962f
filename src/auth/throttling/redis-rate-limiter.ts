import type * as flexible from 'rate-limiter-flexible';

/*
 * rate-limiter-flexible's index requires all of its back ends (Mongo, MySQL, DynamoDB, etcd,
 * Drizzle, ...: 36 modules); the Redis limiter and its result type alone are 9, and 0.3 MB less
 * live heap for the life of the process (BENCHMARKS.md, "Loading less"). The package has no
 * "exports" map, so these files are public paths; their types are the index's. One module, so
 * `instanceof RateLimiterRes` holds for what the limiter rejects with.
 */
export const RateLimiterRedis: typeof flexible.RateLimiterRedis = require('rate-limiter-flexible/lib/RateLimiterRedis');
export type RateLimiterRedis = flexible.RateLimiterRedis;
export const RateLimiterRes: typeof flexible.RateLimiterRes = require('rate-limiter-flexible/lib/RateLimiterRes');
export type RateLimiterRes = flexible.RateLimiterRes;
