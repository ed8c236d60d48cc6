/**
 * Turns the connection part of `postgresStore`'s options into what the store uses: a Kysely that
 * runs SQL unchanged, the settings of its LISTEN client, and what to release on `close()`.
 * @module
 */
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely'
import { callerKysely } from '../kit/kysely.js'
import { loadPg } from './load-pg.js'
import { armCallerPool, idleClients, StatementDeadline } from './postgres-deadlines.js'
import { connectionErrorReporter, guardCheckouts, guardPool, type ReportConnectionError } from './postgres-pool-errors.js'
import {
  isPool,
  type PostgresClientConfig,
  type PostgresPoolLike,
  type PostgresReplica,
  type PostgresStoreConfig,
  type PostgresStoreOptions,
} from './postgres-store-config.js'
import type { PreparedStatements } from './prepared-statements.js'

/** A store's way to the database. */
export interface PostgresConnection {
  /** Runs the store's own statements; never carries the caller's plugins. */
  db: Kysely<any>
  /** Where the app's own reads of a snapshot run: the caller's Kysely, plugins included, in the `db` form, else `db`. */
  app: Kysely<any>
  /** Where `migrate()` runs: like `db`, but without the statement deadline (DDL and the migration lock may take long). */
  migrations: Kysely<any>
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
    ...keepAliveSettings(explicit),
    connectionTimeoutMillis: explicit?.connectionTimeoutMillis ?? config.connectTimeoutMs,
  }
}

/** TCP keepalive probes start after this long idle, in ms: well under the deadlines (the kernel's default is two hours). */
const KEEPALIVE_DELAY_MS = 5_000

/** TCP keepalive on a connection the store opens, unless `given` settings say otherwise. */
function keepAliveSettings(given: PostgresClientConfig | undefined): PostgresClientConfig {
  return {
    keepAlive: given?.keepAlive ?? true,
    keepAliveInitialDelayMillis: given?.keepAliveInitialDelayMillis ?? KEEPALIVE_DELAY_MS,
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

/** A Kysely over `pool` (made on first use) that runs each checkout through {@link guardCheckouts}. */
function kyselyOver(
  pool: () => Promise<PostgresPool>,
  report: ReportConnectionError,
  deadline?: StatementDeadline,
  prepared?: PreparedStatements,
): Kysely<any> {
  return new Kysely<any>({
    dialect: new PostgresDialect({ pool: async () => guardCheckouts(await pool(), report, deadline, prepared) }),
  })
}

/**
 * Opens (lazily: nothing connects before the first query) the store's connection. `ours` are the
 * store's runtime statements: on a caller's pool only they get the statement deadline. `prepared`
 * names the hottest ones on the store's own checkouts (not through a caller's Kysely).
 */
export function openConnection(
  options: PostgresStoreOptions,
  config: PostgresStoreConfig,
  ours: ReadonlySet<string>,
  prepared: PreparedStatements,
): PostgresConnection {
  if ('connectionString' in options && options.connectionString !== undefined) {
    const given = { ...options.poolConfig, connectionString: options.connectionString }
    return ownPoolConnection(given, options.listen, config, prepared)
  }
  return callerPoolConnection(options, config, ours, prepared)
}

/**
 * A connection over a pool of the store's own, made from `given` (a connect timeout and TCP
 * keepalive unless `given` sets them): every statement has the deadline, and a missed deadline
 * destroys the pool's idle connections too.
 */
function ownPoolConnection(
  given: PostgresClientConfig,
  listen: PostgresStoreOptions['listen'],
  config: PostgresStoreConfig,
  prepared: PreparedStatements,
): PostgresConnection {
  const report = connectionErrorReporter(config)
  const settings: PostgresClientConfig = {
    connectionTimeoutMillis: config.connectTimeoutMs,
    ...given,
    ...keepAliveSettings(given),
  }
  let idle: ReturnType<typeof idleClients> | undefined
  // A missed deadline is the sign of a partition: the pool's idle connections went silent too.
  const deadline = new StatementDeadline(config.queryTimeoutMs, (client, error) => {
    report(error, client)
    idle?.destroyAll(error, (other) => report.silence(other))
  })
  let made: Promise<PostgresPool> | undefined
  const pool = (): Promise<PostgresPool> => {
    made ??= loadPg().then((pg) => {
      const own = new pg.Pool(settings)
      guardPool(own, report) // ended with the pool
      idle = idleClients(own)
      return own
    })
    return made
  }
  const db = kyselyOver(pool, report, deadline, prepared)
  return {
    db,
    app: db,
    migrations: kyselyOver(pool, report),
    listenConfig: listenSettings(settings, listen, config),
    close: () => db.destroy(), // ends the pool; the migrations' Kysely only borrows it
  }
}

/**
 * The connection to a read replica, with the same guards, deadlines and prepared statements as
 * the store's: its own pool for a URL (with the store's `poolConfig`) or for settings, else the
 * app's pool. `config`'s `onError` hears of its failures as `'replica'` errors.
 */
export function openReplicaConnection(
  replica: PostgresReplica,
  options: PostgresStoreOptions,
  config: PostgresStoreConfig,
  ours: ReadonlySet<string>,
  prepared: PreparedStatements,
): PostgresConnection {
  const replicaConfig: PostgresStoreConfig = { ...config, notify: false, onError: (error) => config.onError(error, 'replica') }
  if (typeof replica === 'string') {
    const poolConfig = 'poolConfig' in options ? options.poolConfig : undefined
    return ownPoolConnection({ ...poolConfig, connectionString: replica }, undefined, replicaConfig, prepared)
  }
  if (isPool(replica)) return callerPoolConnection({ pool: replica }, replicaConfig, ours, prepared)
  return ownPoolConnection(replica, undefined, replicaConfig, prepared)
}

/** A connection through the caller's pool or Kysely: the store's statements get the deadline; nothing of the caller's is ended. */
function callerPoolConnection(
  options: PostgresStoreOptions,
  config: PostgresStoreConfig,
  ours: ReadonlySet<string>,
  prepared: PreparedStatements,
): PostgresConnection {
  const report = connectionErrorReporter(config)
  const pool = options.pool
  const deadline = new StatementDeadline(config.queryTimeoutMs, (client, error) => report(error, client))
  let db: Kysely<any>
  let migrations: Kysely<any>
  if (options.db !== undefined) {
    db = callerKysely(options.db, 'postgresStore({ db }) takes the Kysely instance; pass a Transaction to append/publish instead')
    migrations = db
  } else if (pool !== undefined) {
    db = new Kysely<any>({ dialect: new PostgresDialect({ pool: guardCheckouts(pool, report, deadline, prepared) }) })
    migrations = new Kysely<any>({ dialect: new PostgresDialect({ pool: guardCheckouts(pool, report) }) })
  } else {
    throw new TypeError('postgresStore needs one of { connectionString }, { pool } or { db, pool }')
  }
  const listenConfig = listenSettings(settingsOf(pool), options.listen, config)
  if (config.notify && listenConfig === undefined) {
    throw new TypeError('postgresStore({ db }) needs `pool` (or `listen`) to open its LISTEN connection, or notify: false')
  }
  const unguard = guardCallerPool(pool, report)
  // The store's statements through the caller's Kysely (the `db` form, `{ transaction }`) reach
  // the pool's clients without passing through the store: they get the deadline there.
  const disarm = pool === undefined ? () => {} : armCallerPool(pool, deadline, ours)
  // Never db.destroy() here: for a caller's pool it would end the pool.
  return {
    db,
    app: options.db ?? db,
    migrations,
    listenConfig,
    close: async () => {
      disarm()
      unguard()
    },
  }
}
