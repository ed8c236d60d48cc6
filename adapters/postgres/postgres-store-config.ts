/**
 * Options of `postgresStore`, the small parts of `pg` the adapter relies on, and their validation
 * into one resolved configuration with defaults.
 * @module
 */
import { createHash } from 'node:crypto'
import type { Kysely, PostgresPool } from 'kysely'
import { ListenerNotReceivingError } from '../../src/errors.js'
import { numberOption } from '../kit/options.js'

/** The subset of a `pg.Pool` this adapter needs (a real `pg.Pool` fits). */
export interface PostgresPoolLike extends PostgresPool {
  /** `pg.Pool` emits `'error'` when an idle client's connection fails, `'connect'` with each new client, `'acquire'` at each checkout, `'release'` and `'remove'`. */
  on?(event: PoolEvent, listener: (...args: any[]) => void): unknown
  /** Removes a listener added with `on`. */
  off?(event: PoolEvent, listener: (...args: any[]) => void): unknown
  /** How many `'error'` listeners the pool has. */
  listenerCount?(event: 'error'): number
  /** The pool's connection settings; the LISTEN client connects with them unless `listen` is given. */
  options?: object
}

/** The `pg.Pool` events the store listens to. */
export type PoolEvent = 'error' | 'connect' | 'acquire' | 'release' | 'remove'

/** Connection settings of a `pg.Client` (`connectionString`, `host`, `ssl`, ...), passed through as is. */
export type PostgresClientConfig = {
  /** A `postgres://` URL. */
  connectionString?: string
} & Record<string, unknown>

/** The part of a store that survived an error: its LISTEN connection, its pool, its logical relay, or a read replica. */
export type PostgresErrorSource = 'listener' | 'pool' | 'relay' | 'replica'

/**
 * A read replica (a hot standby streaming from the store's database): a `postgres://` URL (the
 * store opens its own pool, with `poolConfig`), `pg.Pool` settings, or the app's `pg.Pool`.
 */
export type PostgresReplica = string | PostgresClientConfig | PostgresPoolLike

/** Settings of the logical relay (`relay: true` takes every default). */
export interface PostgresRelayOptions {
  /** The replication slot (one per database; slot names are cluster-wide: `[a-z0-9_]`, at most 63). Default `<tablePrefix>relay_<hash of the database and schema>`. */
  slot?: string
  /** The publication of the events table. Default: the slot's name. */
  publication?: string
  /** How often a process that does not hold the relay tries to take it over, in ms. Default 1 000. */
  takeoverMs?: number
}

/** How `postgresStore` reaches the database: a URL, the app's `pg.Pool`, or the app's Kysely. */
export type PostgresConnectionOptions =
  | {
      /** A `postgres://` URL; the store creates (and on `close()` ends) its own `pg.Pool`. */
      connectionString: string
      /** Extra `pg.Pool` settings (`max`, `ssl`, ...) for the pool and the LISTEN client. */
      poolConfig?: Record<string, unknown>
      /** Not with this form. */
      pool?: never
      /** Not with this form. */
      db?: never
    }
  | {
      /** The app's `pg.Pool`; the store queries through it and never ends it. */
      pool: PostgresPoolLike
      /** Not with this form. */
      connectionString?: never
      /** Not with this form. */
      poolConfig?: never
      /** Not with this form. */
      db?: never
    }
  | {
      /** The app's Kysely on Postgres; the store runs its SQL through `db.withoutPlugins()`. */
      db: Kysely<any>
      /** The pool behind `db`, used to find the LISTEN connection's settings (or pass `listen`). */
      pool?: PostgresPoolLike
      /** Not with this form. */
      connectionString?: never
      /** Not with this form. */
      poolConfig?: never
    }

/** Settings of `postgresStore` besides the connection. */
export interface PostgresStoreSettings {
  /** Schema holding the tables (created by `migrate()` if missing). Default `'public'`. */
  schema?: string
  /** Prefix of every table name, migration tables included. Default `'durable_sse_'`. */
  tablePrefix?: string
  /** Send `pg_notify` when publishing and LISTEN for wake-ups. Default `true`; `false` means polling only. */
  notify?: boolean
  /** NOTIFY channel (at most 63 bytes). Default `'<schema>.<tablePrefix>events'` (hashed when longer). */
  channel?: string
  /** Connection of the dedicated LISTEN client; default: `connectionString` or the pool's options. */
  listen?: string | PostgresClientConfig
  /** Interval of the listener's heartbeat (a probe notification, then `SELECT 1`), and how long each may take. Default 10 000 ms. */
  listenerHeartbeatMs?: number
  /** While the listener is down or not receiving, wake listeners this often so polling speeds up. Default 250 ms. */
  fallbackPollMs?: number
  /** First reconnect delay of the listener; doubles per failure. Default 100 ms. */
  reconnectMinMs?: number
  /** Largest reconnect delay of the listener (it never gives up). Default 10 000 ms. */
  reconnectMaxMs?: number
  /** Rows deleted per statement by `deleteBefore`. Default 5 000. */
  deleteBatchSize?: number
  /**
   * How long the store's own pool waits for a connection (a free one, or a new one connected), in
   * ms; past it the call fails with `StoreUnavailableError`, nothing sent. Default 10 000.
   */
  connectTimeoutMs?: number
  /**
   * How long a statement waits for its answer, in ms; past it the call fails with
   * `StoreTimeoutError` and its connection is destroyed, never reused. Every statement on the
   * store's own pool; only the store's statements on a pool you pass. Default 10 000.
   */
  queryTimeoutMs?: number
  /**
   * The logical relay (needs `wal_level=logical` and a role with `REPLICATION`): one process per
   * database streams the events table's committed inserts from one `pgoutput` slot and hands them
   * to its broker's bus (see README.md, "The logical relay"). Default off.
   */
  relay?: boolean | PostgresRelayOptions
  /**
   * Read replicas (hot standbys of this database; a list spreads reads over them in turn): the
   * store's reads go to them (`readAfter`: the poller's reads, catch-up pages, replays; `heads`;
   * `checkResume`), behind a fence that makes a replica read answer what the primary would have;
   * appends, snapshots, retention, LISTEN and the relay stay on the primary. A replica that fails or falls behind is bypassed until it has caught up (see
   * README.md, "Read replicas"). Default none.
   */
  replica?: PostgresReplica | readonly PostgresReplica[]
  /**
   * How long a read waits, in short retries, for its replica to replay what the primary had when
   * the read was asked; past it the read goes to the primary and the replica is bypassed (probed
   * until it keeps up again). Default 100.
   */
  maxReplicaLagMs?: number
  /** Reports errors the store survives (a dropped LISTEN, pool or relay connection, a LISTEN that receives nothing, a relay that cannot run, a throwing wake listener, a failing read replica). Default: `console.warn`. */
  onError?: (error: unknown, source: PostgresErrorSource) => void
}

/** Options of `postgresStore`: one way to connect, plus settings. */
export type PostgresStoreOptions = PostgresConnectionOptions & PostgresStoreSettings

/** Every setting of a store, validated, with defaults applied. */
export interface PostgresStoreConfig {
  /** Schema of the tables. */
  schema: string
  /** Table name prefix. */
  tablePrefix: string
  /** Whether publishing notifies and the store listens. */
  notify: boolean
  /** NOTIFY / LISTEN channel. */
  channel: string
  /** Heartbeat interval and timeout of the LISTEN client, in ms. */
  listenerHeartbeatMs: number
  /** Wake-up interval while the LISTEN client is down or not receiving, in ms. */
  fallbackPollMs: number
  /** First reconnect delay, in ms. */
  reconnectMinMs: number
  /** Largest reconnect delay, in ms. */
  reconnectMaxMs: number
  /** Rows per retention batch. */
  deleteBatchSize: number
  /** Connect deadline of the store's own pool and its LISTEN client, in ms. */
  connectTimeoutMs: number
  /** Statement deadline, in ms. */
  queryTimeoutMs: number
  /** The relay's settings, or `undefined` when it is off. */
  relay: ResolvedRelayOptions | undefined
  /** The read replicas (none without `replica`). */
  replicas: PostgresReplica[]
  /** How long a read waits for its replica to catch up, in ms. */
  maxReplicaLagMs: number
  /** Where survived connection errors go. */
  onError: (error: unknown, source: PostgresErrorSource) => void
}

/** The relay's settings, checked; names left out are derived once the database's name is known. */
export interface ResolvedRelayOptions {
  /** The slot, when given. */
  slot: string | undefined
  /** The publication, when given. */
  publication: string | undefined
  /** Takeover attempt interval, in ms. */
  takeoverMs: number
}

/** Replication slot names Postgres accepts. */
const SLOT_NAME = /^[a-z0-9_]{1,63}$/

/** The `relay` option, checked. */
function relayOptions(relay: PostgresStoreSettings['relay']): ResolvedRelayOptions | undefined {
  if (relay === undefined || relay === false) return undefined
  const given = relay === true ? {} : relay
  if (typeof given !== 'object' || given === null)
    throw new TypeError('postgresStore: relay must be true, false or { slot, publication, takeoverMs }')
  if (given.slot !== undefined && !SLOT_NAME.test(given.slot))
    throw new TypeError('postgresStore: relay.slot must be 1 to 63 characters of a-z, 0-9 and _')
  return {
    slot: given.slot,
    publication: given.publication === undefined ? undefined : identifier('relay.publication', given.publication),
    takeoverMs: positive('relay.takeoverMs', given.takeoverMs, 1_000),
  }
}

/** Whether `value` is a pool (it hands out connections) rather than connection settings. */
export const isPool = (value: object): value is PostgresPoolLike =>
  typeof (value as Partial<PostgresPoolLike>).connect === 'function'

/** The `replica` option as a list, each checked. */
function replicaList(replica: PostgresStoreSettings['replica']): PostgresReplica[] {
  if (replica === undefined) return []
  const list: readonly unknown[] = Array.isArray(replica) ? replica : [replica]
  for (const item of list) {
    const valid = typeof item === 'string' ? item.length > 0 : typeof item === 'object' && item !== null && !Array.isArray(item)
    if (!valid) {
      throw new TypeError('postgresStore: replica must be a postgres:// URL, pg.Pool settings, a pg.Pool, or a list of them')
    }
  }
  return list as PostgresReplica[]
}

/** Postgres truncates identifiers and channel names longer than this many bytes. */
const MAX_IDENTIFIER_BYTES = 63
/** The longest table name suffix the adapter appends to `tablePrefix`. */
const LONGEST_SUFFIX = 'events_created_at'

/** The default `onError`: one line on stderr; the store carries on. */
const defaultOnError =
  (fallbackPollMs: number) =>
  (error: unknown, source: PostgresErrorSource): void => {
    const message = error instanceof Error ? error.message : String(error)
    if (error instanceof ListenerNotReceivingError) {
      console.warn(`durable-sse/postgres: ${message}; polling every ${fallbackPollMs} ms instead`)
    } else console.warn(`durable-sse/postgres: ${source} error (recovering): ${message}`)
  }

/** `value`, or `fallback` when it is missing; a `TypeError` unless positive. */
const positive = (name: string, value: number | undefined, fallback: number, integer = false): number =>
  numberOption('postgresStore', name, value, fallback, { min: 0, inclusive: false, integer })

/** `value`, unless Postgres would truncate it (with `suffix` appended) or it holds NUL. */
function identifier(name: string, value: string, suffix = ''): string {
  if (value.length === 0 || value.includes('\0'))
    throw new TypeError(`postgresStore: ${name} must be a non-empty string without NUL`)
  if (Buffer.byteLength(value + suffix) > MAX_IDENTIFIER_BYTES) {
    throw new TypeError(`postgresStore: ${name} is too long (Postgres names are at most ${MAX_IDENTIFIER_BYTES} bytes)`)
  }
  return value
}

/**
 * `<schema>.<tablePrefix>events`, unique per set of tables; when that is over 63 bytes, the prefix
 * with a hash of the schema instead (every process derives the same name).
 */
function defaultChannel(schema: string, tablePrefix: string): string {
  const qualified = `${schema}.${tablePrefix}events`
  if (Buffer.byteLength(qualified) <= MAX_IDENTIFIER_BYTES) return qualified
  return `${tablePrefix}events.${createHash('sha256').update(schema).digest('hex').slice(0, 12)}`
}

/** Validates the settings and applies the defaults. */
export function resolveConfig(settings: PostgresStoreSettings): PostgresStoreConfig {
  const schema = identifier('schema', settings.schema ?? 'public')
  const tablePrefix = identifier('tablePrefix', settings.tablePrefix ?? 'durable_sse_', LONGEST_SUFFIX)
  const channel = settings.channel ?? defaultChannel(schema, tablePrefix)
  const reconnectMinMs = positive('reconnectMinMs', settings.reconnectMinMs, 100)
  const deleteBatchSize = positive('deleteBatchSize', settings.deleteBatchSize, 5_000, true)
  const fallbackPollMs = positive('fallbackPollMs', settings.fallbackPollMs, 250)
  return {
    schema,
    tablePrefix,
    notify: settings.notify ?? true,
    channel: identifier('channel', channel),
    listenerHeartbeatMs: positive('listenerHeartbeatMs', settings.listenerHeartbeatMs, 10_000),
    fallbackPollMs,
    reconnectMinMs,
    reconnectMaxMs: Math.max(reconnectMinMs, positive('reconnectMaxMs', settings.reconnectMaxMs, 10_000)),
    deleteBatchSize,
    connectTimeoutMs: positive('connectTimeoutMs', settings.connectTimeoutMs, 10_000),
    queryTimeoutMs: positive('queryTimeoutMs', settings.queryTimeoutMs, 10_000),
    relay: relayOptions(settings.relay),
    replicas: replicaList(settings.replica),
    maxReplicaLagMs: positive('maxReplicaLagMs', settings.maxReplicaLagMs, 100),
    onError: settings.onError ?? defaultOnError(fallbackPollMs),
  }
}
