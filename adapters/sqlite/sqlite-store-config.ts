/**
 * Options of `sqliteStore()`, and the subset of better-sqlite3 it needs (declared here, so the
 * adapter never imports the driver at runtime unless it opens the file itself).
 * @module
 */
import type { Kysely } from 'kysely'

/** The subset of better-sqlite3's `Statement` that the store uses. */
export interface SqliteStatement {
  /** Runs a statement that returns no rows. */
  run(...parameters: unknown[]): {
    /** Rows changed. */
    changes: number | bigint
    /** Rowid of the last inserted row. */
    lastInsertRowid: number | bigint
  }
  /** Runs a statement and returns every row. */
  all(...parameters: unknown[]): unknown[]
  /** Runs a statement and returns its first row, or `undefined`. */
  get(...parameters: unknown[]): unknown
}

/** The subset of better-sqlite3's `Database` that the store uses: pass a better-sqlite3 `Database`. */
export interface SqliteDatabase {
  /** The file the connection was opened on (`:memory:` or `''` for a private database). */
  readonly name: string
  /** Whether the database lives in memory, where no second connection can see it. */
  readonly memory: boolean
  /** Whether a transaction is open on this connection. */
  readonly inTransaction: boolean
  /** Compiles one SQL statement. */
  prepare(sql: string): SqliteStatement
  /** Runs SQL text that takes no parameters. */
  exec(sql: string): unknown
  /** Closes the connection. */
  close(): unknown
}

/** Options that every form of `sqliteStore()` accepts. */
export interface SqliteStoreBaseOptions {
  /** Prefix of the store's table names: letters, digits and `_` only (default `'durable_sse_'`). */
  tablePrefix?: string
  /** How often the reader checks `PRAGMA data_version` while someone listens for wake-ups, in ms (default 25). */
  dataVersionIntervalMs?: number
  /**
   * The longest a write waits for SQLite's write lock held by another connection or process, in ms
   * (default 5000), counted from the `publish()` call: publishes grouped into one append share the
   * oldest one's deadline. Past it the write fails with `SQLITE_BUSY` (`PublishFailedError`'s `cause`).
   */
  busyTimeoutMs?: number
  /**
   * Reports, once, what the store notices on its own: its database file deleted or replaced under it
   * (a `DatabaseReplacedError`). Default: one line on stderr.
   */
  onError?: (error: unknown) => void
}

/** The store opens (and closes) better-sqlite3 connections to this file itself. */
export interface SqliteFilenameOptions extends SqliteStoreBaseOptions {
  /** Path of the database file; created when missing. */
  filename: string
  /** Not with this form. */
  database?: never
  /** Not with this form. */
  db?: never
}

/** The store writes through the caller's better-sqlite3 connection and reads on a second one it opens. */
export interface SqliteDatabaseOptions extends SqliteStoreBaseOptions {
  /** The caller's better-sqlite3 `Database`; the store never closes it. */
  database: SqliteDatabase
  /** Not with this form. */
  filename?: never
  /** Not with this form. */
  db?: never
}

/** The store runs every statement through the caller's Kysely (built on Kysely's `SqliteDialect`). */
export interface SqliteKyselyOptions extends SqliteStoreBaseOptions {
  /** The caller's `Kysely` on SQLite; the store never destroys it and ignores its plugins. */
  db: Kysely<any>
  /** Not with this form. */
  filename?: never
  /** Not with this form. */
  database?: never
}

/** Options of `sqliteStore()`: exactly one of `filename`, `database` or `db`, plus the shared options. */
export type SqliteStoreOptions = SqliteFilenameOptions | SqliteDatabaseOptions | SqliteKyselyOptions

/** Default prefix of the store's table names. */
export const DEFAULT_TABLE_PREFIX = 'durable_sse_'
/** Default interval of the `PRAGMA data_version` check, in ms. */
export const DEFAULT_DATA_VERSION_INTERVAL_MS = 25
/** Default longest wait of a write for the write lock, in ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000
