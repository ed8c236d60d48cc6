/**
 * Options of `mysqlStore`, the small parts of `mysql2` the adapter relies on, and their validation
 * into one resolved configuration with defaults.
 * @module
 */
import type { Kysely } from 'kysely'
import { numberOption } from '../kit/options.js'

/** A `mysql2` connection of a pool, as the store uses it (a real `PoolConnection` fits). */
export interface MysqlPoolConnectionLike {
  /** Runs one statement (callback form). */
  query(options: { sql: string }, values: unknown[], callback: (error: unknown, result: unknown) => void): unknown
  /** Hands the connection back to its pool. */
  release(): void
  /** Closes the socket at once; the pool forgets the connection. */
  destroy(): void
  /** Listens for the connection's failure. */
  on(event: 'error', listener: (error: Error) => void): unknown
}

/** The subset of a `mysql2` (callback) `Pool` this adapter needs: `mysql2.createPool(...)` fits. */
export interface MysqlPoolLike {
  /** Checks a connection out. */
  getConnection(callback: (error: unknown, connection: MysqlPoolConnectionLike) => void): void
  /** Closes every connection. */
  end(callback: (error: unknown) => void): void
}

/** How `mysqlStore` reaches the database: a URL, the app's `mysql2` pool, or the app's Kysely and its pool. */
export type MysqlConnectionOptions =
  | {
      /** A `mysql://user:password@host:port/database` URL; the store creates (and on `close()` ends) its own pool. */
      uri: string
      /** Extra `mysql2` pool settings (`connectionLimit`, `ssl`, ...). */
      poolConfig?: Record<string, unknown>
      /** Not with this form. */
      pool?: never
      /** Not with this form. */
      db?: never
    }
  | {
      /** The app's `mysql2` pool (callback API: `mysql2.createPool`, or a promise pool's `.pool`); never ended by the store. */
      pool: MysqlPoolLike
      /** The app's Kysely on MySQL over that pool: the reads of `snapshot` run through it, plugins included. */
      db?: Kysely<any>
      /** Not with this form. */
      uri?: never
      /** Not with this form. */
      poolConfig?: never
    }

/** Settings of `mysqlStore` besides the connection. */
export interface MysqlStoreSettings {
  /** Prefix of every table name, migration tables included. Default `'durable_sse_'`. */
  tablePrefix?: string
  /** How often the store checks for events committed by other processes while the broker listens, in ms. Default 25. */
  changesIntervalMs?: number
  /** Rows deleted per statement by `deleteBefore`. Default 5 000. */
  deleteBatchSize?: number
  /**
   * How long a call waits for a connection (a free one of the pool, or a new one connected), in
   * ms; past it the call fails with `StoreUnavailableError`, nothing sent. Default 10 000.
   */
  connectTimeoutMs?: number
  /**
   * How long a statement of the store waits for its answer, in ms; past it the call fails with
   * `StoreTimeoutError` and its connection is destroyed, never reused. Default 10 000.
   */
  queryTimeoutMs?: number
  /** How many times an append of the store's own (not in your transaction) is retried after a deadlock. Default 3. */
  deadlockRetries?: number
}

/** Options of `mysqlStore`: one way to connect, plus settings. */
export type MysqlStoreOptions = MysqlConnectionOptions & MysqlStoreSettings

/** Every setting of a store, validated, with defaults applied. */
export interface MysqlStoreConfig {
  /** Table name prefix. */
  tablePrefix: string
  /** Interval of the change check, in ms. */
  changesIntervalMs: number
  /** Rows per retention batch. */
  deleteBatchSize: number
  /** Connection checkout deadline, in ms. */
  connectTimeoutMs: number
  /** Statement deadline, in ms. */
  queryTimeoutMs: number
  /** Retries of an own append after a deadlock. */
  deadlockRetries: number
}

/** MySQL and MariaDB names are at most this many characters. */
const MAX_IDENTIFIER_LENGTH = 64
/** The longest table name the adapter makes from `tablePrefix`. */
const LONGEST_SUFFIX = 'migration_lock'
/** What a table prefix may hold: names that need no care in any MySQL context. */
const PREFIX = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `value`, or `fallback` when it is missing; a `TypeError` unless within the rule. */
const positive = (name: string, value: number | undefined, fallback: number, integer = false): number =>
  numberOption('mysqlStore', name, value, fallback, { min: 0, inclusive: false, integer })

/** Validates the settings and applies the defaults. */
export function resolveConfig(settings: MysqlStoreSettings): MysqlStoreConfig {
  const tablePrefix = settings.tablePrefix ?? 'durable_sse_'
  if (typeof tablePrefix !== 'string' || !PREFIX.test(tablePrefix)) {
    throw new TypeError('mysqlStore: tablePrefix must be letters, digits and underscores, not starting with a digit')
  }
  if (tablePrefix.length + LONGEST_SUFFIX.length > MAX_IDENTIFIER_LENGTH) {
    throw new TypeError(
      `mysqlStore: tablePrefix is too long (MySQL names are at most ${MAX_IDENTIFIER_LENGTH} characters, with '${LONGEST_SUFFIX}' appended)`,
    )
  }
  return {
    tablePrefix,
    changesIntervalMs: positive('changesIntervalMs', settings.changesIntervalMs, 25),
    deleteBatchSize: positive('deleteBatchSize', settings.deleteBatchSize, 5_000, true),
    connectTimeoutMs: positive('connectTimeoutMs', settings.connectTimeoutMs, 10_000),
    queryTimeoutMs: positive('queryTimeoutMs', settings.queryTimeoutMs, 10_000),
    deadlockRetries: numberOption('mysqlStore', 'deadlockRetries', settings.deadlockRetries, 3, {
      min: 0,
      inclusive: true,
      integer: true,
    }),
  }
}
