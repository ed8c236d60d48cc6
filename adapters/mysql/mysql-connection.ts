/**
 * Turns the connection part of `mysqlStore`'s options into what the store uses: a Kysely that
 * runs SQL unchanged within the deadlines, one for migrations, the Kysely the app's snapshot reads
 * run on, and what to release on `close()`.
 * @module
 */
import { Kysely, MysqlDialect } from 'kysely'
import { callerKysely } from '../kit/kysely.js'
import { loadMysql2 } from './load-mysql2.js'
import { guardPool } from './mysql-deadlines.js'
import type { MysqlPoolLike, MysqlStoreConfig, MysqlStoreOptions } from './mysql-store-config.js'

/** A store's way to the database. */
export interface MysqlConnection {
  /** Runs the store's own statements, within the deadlines; never carries the caller's plugins. */
  db: Kysely<any>
  /** Where the app's own reads of a snapshot run: the caller's Kysely, plugins included, when given, else `db`. */
  app: Kysely<any>
  /** Where `migrate()` runs: like `db`, without the statement deadline. */
  migrations: Kysely<any>
  /** Releases what the store opened itself (its own pool; never the caller's). */
  close(): Promise<void>
}

/** TCP keepalive probes start after this long idle, in ms: well under the deadlines. */
const KEEPALIVE_DELAY_MS = 5_000

/** A Kysely over `pool`. */
const kyselyOver = (pool: ReturnType<typeof guardPool>): Kysely<any> => new Kysely<any>({ dialect: new MysqlDialect({ pool }) })

/** Opens (lazily: nothing connects before the first query) the store's connection. */
export function openConnection(options: MysqlStoreOptions, config: MysqlStoreConfig): MysqlConnection {
  const deadlines = { connectTimeoutMs: config.connectTimeoutMs, queryTimeoutMs: config.queryTimeoutMs }
  let closed = false
  const isClosed = (): boolean => closed
  if ('uri' in options && options.uri !== undefined) {
    if (typeof options.uri !== 'string') throw new TypeError('mysqlStore: uri must be a mysql:// URL')
    let made: Promise<MysqlPoolLike> | undefined
    let ending: Promise<void> | undefined
    const pool = (): Promise<MysqlPoolLike> => {
      made ??= loadMysql2().then((mysql2) =>
        mysql2.createPool({
          connectTimeout: config.connectTimeoutMs,
          enableKeepAlive: true,
          keepAliveInitialDelay: KEEPALIVE_DELAY_MS,
          ...options.poolConfig,
          uri: options.uri,
          charset: 'utf8mb4',
        }),
      )
      return made
    }
    const db = kyselyOver(guardPool(pool, deadlines, isClosed))
    return {
      db,
      app: db,
      migrations: kyselyOver(guardPool(pool, undefined, isClosed)),
      close: async () => {
        // The pool is ended, not the Kyselys: a call after close() reaches the pool's guard and
        // fails with StoreClosedError (a destroyed Kysely would throw an untyped error).
        if (closed) return ending
        closed = true
        ending = made?.then((own) => new Promise<void>((resolve) => own.end(() => resolve())))
        return ending
      },
    }
  }
  const given = options.pool
  if (typeof given?.getConnection !== 'function') {
    throw new TypeError('mysqlStore needs { uri } or { pool } (a mysql2 pool, callback API), optionally with { db }')
  }
  const pool = async (): Promise<MysqlPoolLike> => given
  const db = kyselyOver(guardPool(pool, deadlines, isClosed))
  if (options.db !== undefined) {
    callerKysely(options.db, 'mysqlStore({ db, pool }) takes the Kysely instance; pass a Transaction to append/publish instead')
  }
  // Never db.destroy() here: it would end the caller's pool.
  return {
    db,
    app: options.db ?? db,
    migrations: kyselyOver(guardPool(pool, undefined, isClosed)),
    close: async () => {
      closed = true
    },
  }
}
