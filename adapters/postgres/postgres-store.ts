/**
 * `postgresStore`: the `EventStore` on Postgres, through Kysely and `pg`. Each topic has a
 * gap-free sequence in commit order (see README.md, "The ordering rule"), ids are `epoch.seq`
 * with a per-database epoch that a failover changes (`timeline.ts`), publishing can join the
 * caller's Kysely transaction, and NOTIFY on a dedicated LISTEN connection wakes the broker's
 * poller in every process.
 * @module
 */
import type { Kysely } from 'kysely'
import { StoreNotMigratedError } from '../../src/errors.js'
import type { EventDraft, EventRecord } from '../../src/event.js'
import { formatEventId, isEventId, parseEventId, resumeCheck } from '../../src/event-id.js'
import type {
  AppendOptions,
  EventStore,
  ReadStatus,
  RelayRole,
  ResumeCheck,
  StoreSnapshot,
  TopicCursor,
  Unsubscribe,
  WakeStatus,
} from '../../src/store.js'
import { callerTransaction, type SqlExecutor } from '../kit/caller-transaction.js'
import { EpochCache } from '../kit/epoch-cache.js'
import { addRow, type EventRow, headIds, positionsAfter, readOnlySnapshot, rowsOf, validCutoff } from '../kit/sql-store-parts.js'
import { loadPg } from './load-pg.js'
import { openConnection } from './postgres-connection.js'
import type { PostgresListenerStatus } from './postgres-listener.js'
import { migratePostgres } from './postgres-migrations.js'
import { type PostgresRelayStatus, relaySource } from './postgres-relay.js'
import { hotStatements, postgresSql, runtimeStatements } from './postgres-sql.js'
import { type PostgresClientConfig, type PostgresStoreOptions, resolveConfig } from './postgres-store-config.js'
import { wakeSource } from './postgres-wake.js'
import { PreparedStatements } from './prepared-statements.js'
import type { Fence } from './read-fence.js'
import { replicaReads } from './replica-reads.js'
import { epochOnTimeline, type MetaRow, type RecordedEpoch, recordedEpoch, rejectOtherEpochs } from './timeline.js'

/** An `EventStore` on Postgres, plus what only this adapter has. */
export interface PostgresStore extends EventStore {
  /** Creates or updates the adapter's tables (idempotent, safe from several processes at once); call it before use. */
  migrate(): Promise<void>
  /** What the LISTEN connection is doing (for health checks): `'off'` without wake listeners or with `notify: false`. */
  listenerStatus(): PostgresListenerStatus
  /**
   * With `relay`: calls `listener` with each committed transaction's events (whoever committed
   * them), in commit order, in the one process that holds the relay; while a listener is
   * registered this process competes for it. A broker registers itself. Without `relay`, absent.
   */
  onCommitted?(listener: (records: readonly EventRecord[]) => void): Unsubscribe
  /** Where the reads go (`'replicas'` or `'primary'`) and each read replica's state and lag (`replica` option); cheap. */
  readStatus(): ReadStatus
  /** What this process's relay is doing: `'leader'` (it streams the slot), `'standby'`, `'starting'`, `'unavailable'`, or `'off'` (no relay, or no listener). */
  relayRole(): RelayRole
  /** With `relay`: this process's role and the slot's state on the server (retained WAL, who streams it). */
  relayStatus(): Promise<PostgresRelayStatus>
  /**
   * Stops this process's relay and drops the replication slot and publication, so the server
   * keeps no WAL for them. Turn `relay` off in every process first: one still running it creates
   * them again.
   */
  dropRelay(): Promise<void>
}

/** With the relay, pauses before an id ahead of its topic's head is looked up again (commits seen by the relay become visible to other sessions within them), in ms. */
const AHEAD_RETRIES_MS = [5, 20, 60, 200]

/** `readStatus()` of a store without `replica`. */
const PRIMARY_ONLY: ReadStatus = { target: 'primary', replicas: [] }

/** `relayStatus()` of a store without `relay`. */
const RELAY_OFF: PostgresRelayStatus = { role: 'off', slot: undefined, publication: undefined, server: undefined }

/** The relay's connection settings: the LISTEN client's; a store that has none cannot run the relay. */
function relayClientConfig(listenConfig: PostgresClientConfig | undefined): PostgresClientConfig {
  if (listenConfig === undefined)
    throw new TypeError("postgresStore({ db, relay }) needs `pool` (or `listen`) to open the relay's connections")
  return listenConfig
}

/** The LISTEN connection's status as `broker.health()` reads it: down and not receiving poll every `fallbackPollMs`. */
const WAKE_STATUS: Record<PostgresListenerStatus, WakeStatus> = {
  off: { state: 'off', fallback: false },
  connecting: { state: 'starting', fallback: false },
  listening: { state: 'up', fallback: false },
  'not-receiving': { state: 'degraded', fallback: true },
  down: { state: 'down', fallback: true },
}

/** Converts an int8 that left the database as text (safe below 2^53, far beyond any position). */
function int8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new RangeError(`durable-sse/postgres: ${text} is beyond 2^53`)
  return value
}

/** A row that says which timeline its statement ran on. */
interface OnTimeline {
  /** The server's timeline when the statement ran. */
  timeline: number | string
}

/** A read's row: an event, or (the only row of a read that found nothing) just the timeline; on a replica, or past the first row of the one-topic read, no timeline. */
type ReadRow = { timeline?: number | string | null } & ((EventRow & { seq: string; created_at: string }) | { topic: null })

/** The timeline of a statement's rows (each statement that reports it returns at least one row). */
const timelineOf = (rows: ReadonlyArray<{ timeline?: number | string | null }>): number | string =>
  (rows[0] as OnTimeline).timeline

/** Undefined column (42703): the meta table predates migration 0003. */
const UNDEFINED_COLUMN = '42703'

/** An executor in the caller's open transaction, or a `TypeError` saying what is accepted. */
const transactionOf = (value: unknown): SqlExecutor => callerTransaction(value, 'postgres', 'durable-sse/postgres')

/**
 * Creates a Postgres store. Call `await store.migrate()` once before use.
 * @example
 * const store = postgresStore({ connectionString: process.env.DATABASE_URL })
 * await store.migrate()
 * const broker = createBroker(store)
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const config = resolveConfig(options)
  const sql = postgresSql(config)
  const ours = runtimeStatements(sql)
  const connection = openConnection(options, config, ours, new PreparedStatements(hotStatements(sql)))
  const { db } = connection
  /** With `replica`: where the reads run (`readAfter`, `heads`, `checkResume`); appends, snapshots, retention and the epoch stay on the primary. */
  const reads = config.replicas.length === 0 ? undefined : replicaReads(db, sql, options, config, ours)

  /** The meta row, read now: the recorded epoch and timeline, and the server's current timeline. */
  const readMeta = async (): Promise<{ recorded: RecordedEpoch; current: number | string }> => {
    const [row] = await rowsOf<MetaRow>(db, sql.selectEpoch).catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== UNDEFINED_COLUMN) throw error
      throw new StoreNotMigratedError(`durable-sse/postgres: ${sql.tables.meta} has no timeline; run store.migrate()`)
    })
    return { recorded: recordedEpoch(row, sql.tables.meta), current: (row as MetaRow).current_timeline }
  }
  /** The database's epoch and the timeline its ids began on, read once (ids of a re-created database then carry another epoch). */
  const recorded = new EpochCache(async () => (await readMeta()).recorded)
  /** The epoch of ids issued now, read fresh: for the relay, before each stream it starts. */
  const epochNow = async (): Promise<string> => {
    const { recorded, current } = await readMeta()
    return epochOnTimeline(recorded, current)
  }

  /**
   * Each topic's head id (the start id for a topic without events), read through `executor`: the
   * primary (or a transaction on it), or a replica that replayed `fence` (which brings the timeline).
   */
  const headsThrough = async (executor: Kysely<any>, topics: readonly string[], fence?: Fence): Promise<Map<string, string>> => {
    const meta = await recorded.get()
    const unique = [[...new Set(topics)]]
    if (fence !== undefined) {
      const found = await rowsOf<{ topic: string; head: string }>(executor, sql.replicaHeads, unique)
      return headIds(epochOnTimeline(meta, fence.timeline), topics, found)
    }
    const rows = await rowsOf<OnTimeline & { topic: string | null; head: string }>(executor, sql.heads, unique)
    const found = rows.filter((row): row is OnTimeline & { topic: string; head: string } => row.topic !== null)
    return headIds(epochOnTimeline(meta, timelineOf(rows)), topics, found)
  }

  /**
   * Runs a read-only statement where reads go: with `replica`, on a replica behind a fence (so it
   * answers what the primary would have, as of after the call), else on the primary.
   */
  const routed = <T>(read: (executor: Kysely<any>, fence?: Fence) => Promise<T>): Promise<T> =>
    reads === undefined ? read(db) : reads.read(db, read)

  const listenConfig = connection.listenConfig
  const wakes =
    config.notify && listenConfig !== undefined
      ? wakeSource({
          createClient: async () => new (await loadPg()).Client(listenConfig),
          notify: async (payload) => void (await rowsOf(db, sql.notify, [payload])),
          channel: config.channel,
          heartbeatMs: config.listenerHeartbeatMs,
          fallbackPollMs: config.fallbackPollMs,
          reconnectMinMs: config.reconnectMinMs,
          reconnectMaxMs: config.reconnectMaxMs,
          onError: (error) => config.onError(error, 'listener'),
        })
      : undefined

  const relay =
    config.relay === undefined
      ? undefined
      : relaySource({
          run: (text, parameters) => rowsOf(connection.migrations, text, parameters),
          relay: config.relay,
          schema: config.schema,
          tablePrefix: config.tablePrefix,
          events: sql.tables.events,
          clientConfig: relayClientConfig(listenConfig),
          epoch: epochNow,
          onError: (error) => config.onError(error, 'relay'),
        })

  const store: PostgresStore = {
    async migrate(): Promise<void> {
      await migratePostgres(connection.migrations, sql, config.schema, config.tablePrefix)
      recorded.forget()
      await recorded.get()
      await relay?.ensure()
    },

    async append(drafts: readonly EventDraft[], options?: AppendOptions): Promise<EventRecord[]> {
      const executor = options?.transaction === undefined ? db : transactionOf(options.transaction)
      if (drafts.length === 0) return []
      const meta = await recorded.get()
      const heads = await rowsOf<OnTimeline & { topic: string; head: string; created_at: string }>(executor, sql.append, [
        drafts.map((draft) => draft.topic),
        drafts.map((draft) => draft.type),
        drafts.map((draft) => draft.data),
        drafts.map((draft) => draft.traceContext ?? null),
      ])
      const counts = new Map<string, number>()
      for (const { topic } of drafts) counts.set(topic, (counts.get(topic) ?? 0) + 1)
      // The statement gave each topic positions head - n + 1 .. head, in the order of `drafts`.
      const next = new Map<string, number>()
      for (const row of heads) next.set(row.topic, int8(row.head) - (counts.get(row.topic) ?? 0) + 1)
      const createdAt = heads[0]?.created_at as string // one now() for the whole statement
      const epoch = epochOnTimeline(meta, timelineOf(heads))
      return drafts.map((draft) => {
        const seq = next.get(draft.topic) as number
        next.set(draft.topic, seq + 1)
        return { ...draft, id: formatEventId(epoch, seq), createdAt }
      })
    },

    async readAfter(cursors: readonly TopicCursor[], limit: number): Promise<Map<string, EventRecord[]>> {
      const result = new Map<string, EventRecord[]>()
      const perTopic = Math.floor(limit)
      if (cursors.length === 0 || !(perTopic >= 1)) return result
      const after = positionsAfter(cursors, 'durable-sse/postgres')
      const meta = await recorded.get()
      const [only] = after
      const one = after.size === 1 && only !== undefined
      const parameters = one ? [only[0], only[1], perTopic] : [[...after.keys()], [...after.values()], perTopic]
      // On the primary the read reports the timeline it ran on; on a replica, the fence it waited for does.
      const read = async (executor: Kysely<any>, fence?: Fence): Promise<{ rows: ReadRow[]; timeline: number | string }> => {
        if (fence !== undefined) {
          const rows = await rowsOf<ReadRow>(executor, one ? sql.replicaReadAfterOne : sql.replicaReadAfter, parameters)
          return { rows, timeline: fence.timeline }
        }
        if (!one) {
          const rows = await rowsOf<ReadRow>(executor, sql.readAfter, parameters)
          return { rows, timeline: timelineOf(rows) }
        }
        const rows = await rowsOf<ReadRow>(executor, sql.readAfterOne, parameters)
        const timeline = rows[0]?.timeline
        if (timeline !== undefined && timeline !== null) return { rows, timeline }
        // Nothing to label: the timeline alone says whether the cursor's epoch still holds.
        if (rows.length === 0) return { rows, timeline: timelineOf(await rowsOf<OnTimeline>(executor, sql.timeline)) }
        // Pruned past the cursor: the first row names no timeline, so read again with it in every row.
        const again = await rowsOf<ReadRow>(executor, sql.readAfterOneOnTimeline, parameters)
        return { rows: again, timeline: timelineOf(again) }
      }
      const { rows, timeline } = await routed(read)
      // Labelled with the timeline the read ran on; after a promotion, a cursor of the earlier one
      // names a position the new primary may have handed out again: the caller must reset it.
      const epoch = epochOnTimeline(meta, timeline)
      rejectOtherEpochs(cursors, epoch)
      for (const row of rows) if (row.topic !== null) addRow(result, row, formatEventId(epoch, row.seq), row.created_at)
      return result
    },

    async heads(topics: readonly string[]): Promise<Map<string, string>> {
      return topics.length === 0 ? new Map() : routed((executor, fence) => headsThrough(executor, topics, fence))
    },

    async checkResume(topic: string, id: string): Promise<ResumeCheck> {
      const parsed = parseEventId(id)
      const meta = await recorded.get()
      // Another database's id (neither this database's epoch nor one of its timelines) needs no read.
      if (parsed === undefined || !parsed.epoch.startsWith(meta.epoch)) return { ok: false, reason: 'foreign' }
      const check = (): Promise<ResumeCheck> =>
        routed(async (executor, fence) => {
          const [state] = await rowsOf<Partial<OnTimeline> & { head: string | null; pruned_through: string | null }>(
            executor,
            fence === undefined ? sql.resumeState : sql.replicaResumeState,
            [topic],
          )
          const timeline = fence?.timeline ?? (state as OnTimeline).timeline
          if (parsed.epoch !== epochOnTimeline(meta, timeline)) return { ok: false, reason: 'foreign' }
          return resumeCheck(parsed.seq, int8(state?.head ?? '0'), int8(state?.pruned_through ?? '0'))
        })
      let answer = await check()
      // The relay decodes a commit from the WAL a moment before other sessions see it, so a browser
      // can resume after an id this session cannot see yet: look again before calling it ahead.
      for (const pauseMs of relay === undefined ? [] : AHEAD_RETRIES_MS) {
        if (answer.ok || answer.reason !== 'ahead') break
        await new Promise((resolve) => setTimeout(resolve, pauseMs))
        answer = await check()
      }
      return answer
    },

    isValidId: isEventId,
    positionOf: parseEventId,

    async snapshot<State>(
      topics: readonly string[],
      read: (transaction: unknown) => Promise<State>,
    ): Promise<StoreSnapshot<State>> {
      await recorded.get() // read before the transaction, on another connection, when not known yet
      return readOnlySnapshot(connection.app, (trx) => headsThrough(trx, topics), read)
    },

    async deleteBefore(date: Date): Promise<number> {
      const cutoff = validCutoff(date).toISOString()
      let total = 0
      for (;;) {
        const [row] = await rowsOf<{ deleted: string }>(db, sql.deleteBatch, [cutoff, config.deleteBatchSize])
        const deleted = int8(row?.deleted ?? '0')
        total += deleted
        // A short batch means nothing else was old enough (or another process holds the rest).
        if (deleted < config.deleteBatchSize) return total
      }
    },

    listenerStatus(): PostgresListenerStatus {
      return wakes?.status() ?? 'off'
    },

    wakeStatus(): WakeStatus {
      return WAKE_STATUS[wakes?.status() ?? 'off']
    },

    readStatus(): ReadStatus {
      return reads?.status() ?? PRIMARY_ONLY
    },

    relayRole(): RelayRole {
      return relay?.role() ?? 'off'
    },

    async relayStatus(): Promise<PostgresRelayStatus> {
      return relay === undefined ? RELAY_OFF : relay.status()
    },

    async dropRelay(): Promise<void> {
      if (relay === undefined) throw new TypeError('durable-sse/postgres: dropRelay() needs a store made with relay')
      await relay.drop()
    },

    async close(): Promise<void> {
      await relay?.close()
      await wakes?.close()
      await reads?.close()
      await connection.close()
    },
  }
  if (wakes !== undefined) store.onWake = wakes.onWake
  if (relay !== undefined) store.onCommitted = relay.onCommitted
  return store
}
