/**
 * `durable-sse/redis`: a Redis pub/sub bus between an app's processes, on `ioredis` (5.x or 6.x,
 * an optional peer dependency, loaded on first use).
 * @example
 * import { createBroker } from 'durable-sse'
 * import { postgresStore } from 'durable-sse/postgres'
 * import { redisWake } from 'durable-sse/redis'
 *
 * const broker = createBroker(postgresStore({ connectionString, notify: false }), {
 *   wake: redisWake({ url: process.env.REDIS_URL }),
 * })
 * @module
 */
export type { RedisClientLike, RedisClientOptions } from './load-ioredis.js'
export { type RedisTarget, type RedisWakeOptions, redisWake } from './redis-wake.js'
