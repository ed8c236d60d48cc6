/**
 * `durable-sse/nats`: a NATS bus between an app's processes, on the `nats` 2.x client (an
 * optional peer dependency, loaded on first use).
 * @example
 * import { createBroker } from 'durable-sse'
 * import { natsWake } from 'durable-sse/nats'
 * import { postgresStore } from 'durable-sse/postgres'
 *
 * const broker = createBroker(postgresStore({ connectionString, notify: false }), {
 *   wake: natsWake({ servers: process.env.NATS_URL }),
 * })
 * @module
 */
export type { NatsConnectionLike } from './load-nats.js'
export { type NatsTarget, type NatsWakeOptions, natsWake } from './nats-wake.js'
