/**
 * Opening better-sqlite3 connections: the writer and reader of the `filename` form, and the second
 * (read) connection of the `database` form. better-sqlite3 is loaded only for `filename`; the
 * `database` form opens its reader with the caller's own `Database` class.
 * @module
 */
import type { SqliteDatabase } from './sqlite-store-config.js'

/** The connections the native backend (`sqlite-native-backend.ts`) runs on. */
export interface NativeConnections {
  /** Where writes go: the caller's `database`, or a connection the store opened. */
  writer: SqliteDatabase
  /** Where reads go: a second connection to the same file, or the writer itself for a private database. */
  reader: SqliteDatabase
  /** Whether the store opened the writer (its `busy_timeout` is then 0 already, and `close()` closes it). */
  ownsWriter: boolean
  /** Whether the store opened the reader (`close()` closes it). */
  ownsReader: boolean
}

/** A better-sqlite3 `Database` class (the package's default export). */
type SqliteDatabaseClass = new (filename: string, options?: { fileMustExist?: boolean }) => SqliteDatabase

/** Loads better-sqlite3 on first use, so importing the adapter never requires it. */
async function loadBetterSqlite3(): Promise<SqliteDatabaseClass> {
  try {
    const imported = (await import('better-sqlite3')) as unknown as { default?: unknown }
    return (imported.default ?? imported) as SqliteDatabaseClass
  } catch (cause) {
    throw new Error(
      "durable-sse/sqlite: sqliteStore({ filename }) needs the 'better-sqlite3' package: npm install better-sqlite3@12",
      { cause },
    )
  }
}

/** Whether no second connection can see this database (`:memory:`, or `''`: a private temporary file). */
function isPrivate(db: SqliteDatabase): boolean {
  return db.memory || db.name === '' || db.name === ':memory:'
}

/** Opens a read connection to `filename`: it never writes, and never sleeps in the driver when busy. */
function openReader(Database: SqliteDatabaseClass, filename: string): SqliteDatabase {
  const reader = new Database(filename, { fileMustExist: true })
  reader.exec('PRAGMA busy_timeout = 0')
  reader.exec('PRAGMA query_only = ON')
  return reader
}

/**
 * Opens the writer (WAL, `synchronous = NORMAL`, then `busy_timeout` 0: the store waits for the
 * lock on a timer) and a reader on the same file; one connection for a private database.
 */
export async function openFile(filename: string): Promise<NativeConnections> {
  const Database = await loadBetterSqlite3()
  const writer = new Database(filename)
  try {
    writer.exec('PRAGMA journal_mode = WAL')
    writer.exec('PRAGMA synchronous = NORMAL')
    writer.exec('PRAGMA busy_timeout = 0')
    if (isPrivate(writer)) return { writer, reader: writer, ownsWriter: true, ownsReader: false }
    return { writer, reader: openReader(Database, writer.name), ownsWriter: true, ownsReader: true }
  } catch (error) {
    writer.close()
    throw error
  }
}

/** Uses the caller's connection for writes and opens a reader with the same class; shares it when private. */
export function openDatabase(database: SqliteDatabase): NativeConnections {
  if (isPrivate(database)) return { writer: database, reader: database, ownsWriter: false, ownsReader: false }
  return { writer: database, reader: anotherReader(database), ownsWriter: false, ownsReader: true }
}

/** Opens another read connection to the file of `connection`, with the same class (a snapshot's own reader). */
export function anotherReader(connection: SqliteDatabase): SqliteDatabase {
  return openReader(connection.constructor as unknown as SqliteDatabaseClass, connection.name)
}
