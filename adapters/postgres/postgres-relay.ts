/**
 * The store's side of the logical relay: `onCommitted` listeners (the broker's), and while there
 * is one, this process competes for the relay (`relay-leader.ts`); when it leads, every committed
 * transaction's events reach the listeners, whoever committed them. Also what `migrate()`,
 * `dropRelay()` and `relayStatus()` do.
 * @module
 */
import { RelayUnavailableError } from '../../src/errors.js'
import type { EventRecord } from '../../src/event.js'
import type { RelayRole, Unsubscribe } from '../../src/store.js'
import { loadPg, type PgModule } from './load-pg.js'
import type { PostgresClientConfig, ResolvedRelayOptions } from './postgres-store-config.js'
import { type RelayLeader, startRelayLeader } from './relay-leader.js'
import { relayRecords } from './relay-records.js'
import {
  checkRelayAvailable,
  dropRelay,
  endStaleStream,
  ensureRelay,
  type RelayNames,
  type RelaySlotState,
  type RunSql,
  relayNames,
  slotState,
} from './relay-setup.js'
import type { PgReplicationClientLike } from './relay-stream.js'

/** What `store.relayStatus()` reports. */
export interface PostgresRelayStatus {
  /** This process: `'off'` (no relay, or no broker listening), `'starting'`, `'standby'` (another process leads), `'leader'` (it streams the slot) or `'unavailable'` (the server cannot run it: see `onError`). */
  role: RelayRole
  /** The slot's name (`undefined` with the relay off). */
  slot: string | undefined
  /** The publication's name. */
  publication: string | undefined
  /** The slot on the server (retained WAL, who streams it), or `undefined` when it does not exist. */
  server: RelaySlotState | undefined
}

/** The leader's heartbeat on its lock connection, in ms. */
const RELAY_HEARTBEAT_MS = 5_000

/** Settings of {@link relaySource}. */
export interface RelaySourceOptions {
  /** Runs the store's statements. */
  run: RunSql
  /** The relay's settings. */
  relay: ResolvedRelayOptions
  /** The store's schema. */
  schema: string
  /** The store's table prefix. */
  tablePrefix: string
  /** The events table, qualified and quoted. */
  events: string
  /** Settings of the relay's own connections (the LISTEN client's). */
  clientConfig: PostgresClientConfig
  /** The database's epoch (for the events' ids). */
  epoch(): Promise<string>
  /** Where survived errors go. */
  onError(error: unknown): void
}

/** The relay of one store. */
export interface RelaySource {
  /** Adds a listener of committed events; the first one starts competing for the relay. */
  onCommitted(listener: (records: readonly EventRecord[]) => void): Unsubscribe
  /** What this process's relay is doing. */
  role(): RelayRole
  /** Creates the publication and slot when missing; a server that cannot run the relay is reported, not thrown. */
  ensure(): Promise<void>
  /** This process's role and the slot's state on the server. */
  status(): Promise<PostgresRelayStatus>
  /** Stops this process's relay for good, then drops the slot and publication (a process still running the relay creates them again). */
  drop(): Promise<void>
  /** Stops this process's relay for good. */
  close(): Promise<void>
}

/** Creates the relay of a store; nothing connects before the first listener or call. */
export function relaySource(options: RelaySourceOptions): RelaySource {
  const { run, relay } = options
  const listeners = new Set<{ listener: (records: readonly EventRecord[]) => void }>()
  let names: Promise<RelayNames> | undefined
  let leader: RelayLeader | undefined
  let stopping: Promise<void> = Promise.resolve()
  let closed = false
  let epoch = ''

  const resolveNames = (): Promise<RelayNames> => {
    names ??= relayNames(run, relay, options.schema, options.tablePrefix).catch((error: unknown) => {
      names = undefined
      throw error
    })
    return names
  }

  const deliver = (records: readonly EventRecord[]): void => {
    for (const { listener } of [...listeners]) {
      try {
        listener(records)
      } catch (error) {
        options.onError(error)
      }
    }
  }

  const connect = async (config: PostgresClientConfig) => {
    const pg: PgModule = await loadPg()
    const client = new pg.Client(config)
    client.on('error', () => {}) // until the owner listens: a failed connect rejects below
    await client.connect()
    return client
  }

  /**
   * The server probes the relay's connections every second after 5 s of silence and ends a session
   * after 5 missed probes; and it ends a lock session idle for three heartbeats (or takeover
   * tries). So the lock of a leader cut off by the network is freed within about 15 s, even where
   * something between answers the probes for it.
   */
  const serverKeepalives = '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=1 -c tcp_keepalives_count=5'
  const idleSessionMs = 3 * Math.max(RELAY_HEARTBEAT_MS, relay.takeoverMs)

  const start = async (): Promise<RelayLeader> => {
    const { slot, publication } = await resolveNames()
    return startRelayLeader({
      connectLock: () =>
        connect({
          ...options.clientConfig,
          application_name: 'durable-sse-relay-lock',
          options: `${serverKeepalives} -c idle_session_timeout=${idleSessionMs}`,
        }),
      connectReplication: async () =>
        (await connect({
          ...options.clientConfig,
          application_name: 'durable-sse-relay',
          replication: 'database',
          // The text form of `created_at` the relay parses.
          options: `-c DateStyle=ISO -c TimeZone=UTC ${serverKeepalives}`,
        })) as Awaited<ReturnType<typeof connect>> & PgReplicationClientLike,
      checkAvailable: () => checkRelayAvailable(run),
      prepare: async () => {
        await ensureRelay(run, { slot, publication }, options.events)
        epoch = await options.epoch()
      },
      endStaleStream: () => endStaleStream(run, slot),
      lockKey: `durable-sse relay ${slot}`,
      slot,
      publication,
      table: { schema: options.schema, name: `${options.tablePrefix}events` },
      takeoverMs: relay.takeoverMs,
      heartbeatMs: RELAY_HEARTBEAT_MS,
      onCommit: (rows) => deliver(relayRecords(rows, epoch)),
      onError: options.onError,
    })
  }

  let starting: Promise<RelayLeader | undefined> | undefined
  const stop = (): void => {
    const pending = starting
    starting = undefined
    leader = undefined
    if (pending === undefined) return
    stopping = Promise.all([stopping, pending.then((running) => running?.stop())]).then(() => {})
  }

  return {
    onCommitted(listener) {
      if (closed) return () => {}
      const entry = { listener }
      listeners.add(entry)
      starting ??= stopping.then(start).then(
        (running) => {
          leader = running
          return running
        },
        (error: unknown) => {
          options.onError(error)
          starting = undefined
          return undefined
        },
      )
      return () => {
        if (listeners.delete(entry) && listeners.size === 0) stop()
      }
    },
    role: () => (starting === undefined ? 'off' : (leader?.role() ?? 'starting')),
    async ensure() {
      try {
        await ensureRelay(run, await resolveNames(), options.events)
      } catch (error) {
        if (!(error instanceof RelayUnavailableError)) throw error
        options.onError(error)
      }
    },
    async status() {
      const { slot, publication } = await resolveNames()
      return { role: this.role(), slot, publication, server: await slotState(run, slot) }
    },
    async drop() {
      await this.close()
      await dropRelay(run, await resolveNames())
    },
    async close() {
      closed = true
      listeners.clear()
      stop()
      await stopping
    },
  }
}
