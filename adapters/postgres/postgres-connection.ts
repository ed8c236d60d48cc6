/**
 * Turns the connection part of `postgresStore`'s options into what the store uses: a Kysely that
 * runs SQL unchanged, the settings of its LISTEN client, and what to release on `close()`.
 * @module
 */
import { Kysely, PostgresDialect } from 'kysely'
import { callerKysely } from '../kit/kysely.js'
import { loadPg } from './load-pg.js'
import { connectionErrorReporter, guardCheckouts, guardPool, type ReportConnectionError } from './postgres-pool-errors.js'
import type {
  PostgresClientConfig,
  PostgresPoolLike,
  PostgresStoreConfig,
  PostgresStoreOptions,
} from './postgres-store-config.js'

/** A store's way to the database. */
export interface PostgresConnection {
  /** Runs the store's own statements; never carries the caller's plugins. */
  db: Kysely<any>
  /** Where the app's own reads of a snapshot run: the caller's Kysely, plugins included, in the `db` form, else `db`. */
  app: Kysely<any>
  /** Settings of the dedicated LISTEN client, or `undefined` when there is no way to know them. */
  listenConfig: PostgresClientConfig | undefined
  /** Releases what the store opened itself: its own pool, and its error handlers on a caller's pool. */
  close(): Promise<void>
}

/** Connection settings of a `pg.Pool`; `pg` hides the password from enumeration, so it is copied by name. */
function settingsOf(pool: PostgresPoolLike | undefined): PostgresClientConfig | undefined {
  if (pool?.options === undefined) return undefined
  const options = pool.options as PostgresClientConfig
  return options.password === undefined ? { ...options } : { ...options, password: options.password }
}

/** The LISTEN client's settings: an explicit `listen` wins, then a recognisable name, then the pool's settings. */
function listenSettings(
  base: PostgresClientConfig | undefined,
  listen: PostgresStoreOptions['listen'],
  config: PostgresStoreConfig,
): PostgresClientConfig | undefined {
  const explicit = typeof listen === 'string' ? { connectionString: listen } : listen
  if (base === undefined && explicit === undefined) return undefined
  return {
    ...(explicit ?? base),
    application_name: explicit?.application_name ?? 'durable-sse-listener',
    keepAlive: explicit?.keepAlive ?? true,
    connectionTimeoutMillis: explicit?.connectionTimeoutMillis ?? config.listenerHeartbeatMs,
  }
}

/**
 * Guards a caller's pool that nobody handles the errors of (it has no `'error'` listener): the
 * pool's and every new client's errors then go to `onError`, until `close()`. A pool whose owner
 * handles its errors is left alone (with `{ pool }`, the store still guards its own checkouts).
 */
function guardCallerPool(pool: PostgresPoolLike | undefined, report: ReportConnectionError): () => void {
  if (pool?.on === undefined || (pool.listenerCount?.('error') ?? 0) > 0) return () => {}
  return guardPool(pool, report)
}

/** Opens (lazily: nothing connects before the first query) the store's connection. */
export function openConnection(options: PostgresStoreOptions, config: PostgresStoreConfig): PostgresConnection {
  const report = connectionErrorReporter(config)
  if ('connectionString' in options && options.connectionString !== undefined) {
    const settings: PostgresClientConfig = { ...options.poolConfig, connectionString: options.connectionString }
    const db = new Kysely<any>({
      dialect: new PostgresDialect({
        pool: async () => {
          const pg = await loadPg()
          const pool = new pg.Pool(settings)
          guardPool(pool, report) // ended with the pool
          return guardCheckouts(pool, report)
        },
      }),
    })
    return { db, app: db, listenConfig: listenSettings(settings, options.listen, config), close: () => db.destroy() }
  }

  const pool = options.pool
  let db: Kysely<any>
  if (options.db !== undefined) {
    db = callerKysely(options.db, 'postgresStore({ db }) takes the Kysely instance; pass a Transaction to append/publish instead')
  } else if (pool !== undefined) {
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: guardCheckouts(pool, report) }) })
  } else {
    throw new TypeError('postgresStore needs one of { connectionString }, { pool } or { db, pool }')
  }
  const listenConfig = listenSettings(settingsOf(pool), options.listen, config)
  if (config.notify && listenConfig === undefined) {
    throw new TypeError('postgresStore({ db }) needs `pool` (or `listen`) to open its LISTEN connection, or notify: false')
  }
  const unguard = guardCallerPool(pool, report)
  // Never db.destroy() here: for a caller's pool it would end the pool.
  return { db, app: options.db ?? db, listenConfig, close: async () => unguard() }
}
