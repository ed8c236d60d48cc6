/**
 * `durable-sse/sqlite`: the SQLite `EventStore`, built on Kysely and better-sqlite3.
 * @example
 * import { sqliteStore } from 'durable-sse/sqlite'
 * const store = sqliteStore({ filename: 'events.db' })
 * await store.migrate()
 * @module
 */
export { type SqliteEventStore, sqliteStore } from './sqlite-store.js'
export type {
  SqliteDatabase,
  SqliteDatabaseOptions,
  SqliteFilenameOptions,
  SqliteKyselyOptions,
  SqliteStatement,
  SqliteStoreBaseOptions,
  SqliteStoreOptions,
} from './sqlite-store-config.js'
