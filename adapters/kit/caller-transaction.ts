/**
 * The `{ transaction }` a store accepts, recognised by shape (no ORM or driver is imported): a
 * Kysely `Transaction`, a Drizzle transaction (`node-postgres`, `mysql2`, `better-sqlite3`
 * drivers), or a driver's own connection inside an open transaction (a `pg` client after `BEGIN`,
 * a `mysql2` connection after `beginTransaction()`, a `better-sqlite3` `Database` inside a
 * transaction). Each becomes one executor that runs the store's SQL on the caller's connection,
 * so the events commit or roll back with the caller's work. Anything else, a connection outside a
 * transaction included, is a `TypeError` that says what is accepted: never a silent publish
 * outside the caller's transaction.
 * @module
 */
import type { CompiledQuery, Kysely } from 'kysely'

/** Runs one compiled statement and returns its rows (a Kysely instance is one). */
export interface SqlExecutor {
  /** Runs `query` as is. */
  executeQuery(query: CompiledQuery): Promise<{ rows: unknown[] }>
}

/** The SQL dialect of a store. */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite'

/** The part of a `better-sqlite3` `Database` a synchronous append uses. */
export interface SyncSqliteDatabase {
  /** Whether a transaction is open on the connection. */
  readonly inTransaction: boolean
  /** Prepares a statement. */
  prepare(sql: string): { reader: boolean; all(...parameters: unknown[]): unknown[]; run(...parameters: unknown[]): unknown }
}

/** A `pg` client (a `PoolClient` or a `Client`). */
interface PgClient {
  query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>
  getTransactionStatus(): string | null
}

/** A `mysql2` connection (callback API; a promise connection holds one as `.connection`). */
interface Mysql2Connection {
  query(options: { sql: string }, values: unknown[], callback: (error: unknown, result: unknown) => void): unknown
  serverStatus: number
}

/** What the store accepts, per dialect, for the error message. */
const ACCEPTED: Record<SqlDialect, string> = {
  postgres:
    'a Kysely Transaction (the trx of db.transaction().execute(async (trx) => ...)), a Drizzle node-postgres transaction (the tx of db.transaction(async (tx) => ...)), or a pg client after BEGIN',
  mysql:
    'a Kysely Transaction (the trx of db.transaction().execute(async (trx) => ...)), a Drizzle mysql2 transaction (the tx of db.transaction(async (tx) => ...)), or a mysql2 connection after beginTransaction()',
  sqlite:
    'a Kysely Transaction (the trx of db.transaction().execute(async (trx) => ...)), a Drizzle better-sqlite3 transaction (the tx of db.transaction((tx) => ...)), or a better-sqlite3 Database inside a transaction',
}

/** `SERVER_STATUS_IN_TRANS` of the MySQL protocol: the session has an open transaction. */
const SERVER_STATUS_IN_TRANS = 1

const isObject = (value: unknown): value is Record<string, any> => typeof value === 'object' && value !== null

const isKyselyTransaction = (value: unknown): value is Kysely<any> =>
  isObject(value) && value.isTransaction === true && typeof value.withoutPlugins === 'function'

const isPgClient = (value: unknown): value is PgClient =>
  isObject(value) && typeof value.query === 'function' && typeof value.getTransactionStatus === 'function'

const isMysql2Connection = (value: unknown): value is Mysql2Connection =>
  isObject(value) && typeof value.query === 'function' && typeof value.serverStatus === 'number'

const isSqliteDatabase = (value: unknown): value is SyncSqliteDatabase =>
  isObject(value) && typeof value.prepare === 'function' && typeof value.inTransaction === 'boolean'

/**
 * The driver connection under `value`: a Drizzle transaction's (`tx.session.client`), a `mysql2`
 * promise connection's callback connection, or `value` itself.
 */
function connectionOf(value: unknown): unknown {
  const drizzle =
    isObject(value) && typeof value.rollback === 'function' && isObject(value.session) ? value.session.client : value
  return isObject(drizzle) && isMysql2Connection(drizzle.connection) ? drizzle.connection : drizzle
}

/** A short description of `value` for an error message. */
function describe(value: unknown): string {
  if (!isObject(value)) return value === null ? 'null' : typeof value
  return `a ${value.constructor?.name ?? 'object'}`
}

/** The `TypeError` for a value the store of `dialect` cannot publish in. */
function refusal(value: unknown, dialect: SqlDialect, adapter: string, problem?: string): TypeError {
  return new TypeError(`${adapter}: \`transaction\` must be ${ACCEPTED[dialect]}; got ${problem ?? describe(value)}`)
}

/** Runs SQL on a `pg` client. */
const pgExecutor = (client: PgClient): SqlExecutor => ({
  async executeQuery(query: CompiledQuery) {
    return { rows: (await client.query(query.sql, [...query.parameters])).rows }
  },
})

/** Runs SQL on a `mysql2` connection. */
const mysql2Executor = (connection: Mysql2Connection): SqlExecutor => ({
  executeQuery(query: CompiledQuery) {
    return new Promise<{ rows: unknown[] }>((resolve, reject) =>
      connection.query({ sql: query.sql }, [...query.parameters], (error, result) =>
        error ? reject(error) : resolve({ rows: Array.isArray(result) ? result : [] }),
      ),
    )
  },
})

/** Runs SQL on a `better-sqlite3` connection (synchronously; the promise only carries the rows). */
const sqliteExecutor = (database: SyncSqliteDatabase): SqlExecutor => ({
  async executeQuery(query: CompiledQuery) {
    return { rows: runSqlite(database, query.sql, query.parameters) }
  },
})

/** Runs one statement on a `better-sqlite3` connection, synchronously, and returns its rows. */
export function runSqlite(database: SyncSqliteDatabase, sql: string, parameters: readonly unknown[] = []): unknown[] {
  const statement = database.prepare(sql)
  if (statement.reader) return statement.all(...parameters)
  statement.run(...parameters)
  return []
}

/**
 * The `better-sqlite3` connection of a synchronous caller transaction (a `Database` inside a
 * transaction, or a Drizzle `better-sqlite3` transaction), or a `TypeError` naming what is accepted.
 */
export function syncSqliteTransaction(value: unknown, adapter: string): SyncSqliteDatabase {
  const connection = connectionOf(value)
  if (isSqliteDatabase(connection)) {
    if (connection.inTransaction) return connection
    throw refusal(value, 'sqlite', adapter, 'a better-sqlite3 Database outside a transaction')
  }
  throw refusal(value, 'sqlite', adapter, `${describe(value)} (a synchronous append needs a better-sqlite3 transaction)`)
}

/**
 * An executor on the caller's open transaction `value`, for a store of `dialect` (`adapter` names
 * it in the error): a Kysely `Transaction` plugin-free, a Drizzle transaction or a driver
 * connection of that dialect inside a transaction. Else a `TypeError` that says what is accepted.
 */
export function callerTransaction(value: unknown, dialect: SqlDialect, adapter: string): SqlExecutor {
  if (isKyselyTransaction(value)) return value.withoutPlugins()
  const connection = connectionOf(value)
  if (dialect === 'postgres' && isPgClient(connection)) {
    const status = connection.getTransactionStatus()
    if (status === 'T' || status === 'E') return pgExecutor(connection)
    throw refusal(value, dialect, adapter, 'a pg client outside a transaction (send BEGIN first)')
  }
  if (dialect === 'mysql' && isMysql2Connection(connection)) {
    if ((connection.serverStatus & SERVER_STATUS_IN_TRANS) !== 0) return mysql2Executor(connection)
    throw refusal(value, dialect, adapter, 'a mysql2 connection outside a transaction (call beginTransaction() first)')
  }
  if (dialect === 'sqlite' && isSqliteDatabase(connection)) {
    if (connection.inTransaction) return sqliteExecutor(connection)
    throw refusal(value, dialect, adapter, 'a better-sqlite3 Database outside a transaction')
  }
  throw refusal(value, dialect, adapter)
}
