/**
 * `durable-sse/mysql`: the MySQL and MariaDB `EventStore`, on Kysely's `MysqlDialect` and `mysql2`
 * (loaded on first use).
 * @example
 * import { createBroker } from 'durable-sse'
 * import { mysqlStore } from 'durable-sse/mysql'
 *
 * const store = mysqlStore({ uri: process.env.DATABASE_URL })
 * await store.migrate()
 * const broker = createBroker(store)
 * @module
 */

export { type MysqlStore, mysqlStore } from './mysql-store.js'
export type {
  MysqlConnectionOptions,
  MysqlPoolConnectionLike,
  MysqlPoolLike,
  MysqlStoreOptions,
  MysqlStoreSettings,
} from './mysql-store-config.js'
