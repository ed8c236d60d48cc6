/**
 * `durable-sse/postgres`: the Postgres `EventStore`, on Kysely and `pg` (loaded on first use).
 * @example
 * import { createBroker } from 'durable-sse'
 * import { postgresStore } from 'durable-sse/postgres'
 *
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL })
 * await store.migrate()
 * const broker = createBroker(store)
 * @module
 */

export type { PostgresListenerStatus } from './postgres-listener.js'
export type { PostgresRelayStatus } from './postgres-relay.js'
export { type PostgresStore, postgresStore } from './postgres-store.js'
export type {
  PoolEvent,
  PostgresClientConfig,
  PostgresConnectionOptions,
  PostgresErrorSource,
  PostgresPoolLike,
  PostgresRelayOptions,
  PostgresReplica,
  PostgresStoreOptions,
  PostgresStoreSettings,
} from './postgres-store-config.js'
export type { RelaySlotState } from './relay-setup.js'
