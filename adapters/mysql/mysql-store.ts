/**
 * `mysqlStore`: the `EventStore` on MySQL 8 and MariaDB 10.6+, through Kysely's `MysqlDialect` and
 * `mysql2`. Each topic has a gap-free sequence in commit order (a head row per topic, locked by
 * the publishing transaction: README.md, "The ordering rule"), ids are `epoch.seq` with a
 * per-database epoch, publishing can join the caller's transaction, and other processes' commits
 * are found by a change cursor (`changedTopics`, `mysql-changes.ts`) checked every few tens of ms.
 * @module
 */
import type { Kysely } from 'kysely'
import { InvalidTopicError, PublishFailedError } from '../../src/errors.js'
import type { EventDraft, EventRecord } from '../../src/event.js'
import { formatEventId, isEventId, ownSeq, parseEventId, resumeCheck } from '../../src/event-id.js'
import type { AppendOptions, EventStore, ResumeCheck, StoreSnapshot, TopicChanges, TopicCursor } from '../../src/store.js'
import { callerTransaction, type SqlExecutor } from '../kit/caller-transaction.js'
import {
  addRow,
  type EventRow,
  epochReader,
  headIds,
  positionsAfter,
  readOnlySnapshot,
  rowsOf,
  validCutoff,
} from '../kit/sql-store-parts.js'
import { DataVersionWatcher } from '../kit/version-watcher.js'
import { type ChangeQueries, changedTopics } from './mysql-changes.js'
import { openConnection } from './mysql-connection.js'
import { migrateMysql } from './mysql-migrations.js'
import { MAX_TOPIC_BYTES, mysqlSql } from './mysql-sql.js'
import { type MysqlStoreOptions, resolveConfig } from './mysql-store-config.js'

/** An `EventStore` on MySQL or MariaDB, plus what only this adapter has. */
export interface MysqlStore extends EventStore {
  /** Creates or updates the adapter's tables (idempotent, safe from several processes at once); call it before use. */
  migrate(): Promise<void>
  /** Answers which topics had events committed after `token` (see {@link EventStore.changedTopics}). */
  changedTopics(token: string | undefined): Promise<TopicChanges>
}

/** An append, ready for its transaction. */
interface PreparedAppend {
  /** The events, in the caller's order. */
  drafts: readonly EventDraft[]
  /** Each topic's number of events. */
  counts: Map<string, number>
  /** The topics in lock order. */
  topics: string[]
  /** The database's epoch. */
  epoch: string
}

/** Most topics whose head row the store remembers having made. */
const KNOWN_TOPICS = 100_000

/** Most topics read by one `readAfter` statement (a longer list is read in several). */
const TOPICS_PER_READ = 1_000

/** InnoDB chose this transaction as a deadlock's victim and rolled it back. */
const isDeadlock = (error: unknown): boolean =>
  (error as { errno?: unknown } | null)?.errno === 1213 || (error as { code?: unknown } | null)?.code === 'ER_LOCK_DEADLOCK'

/** A lock taken with NOWAIT was held by another transaction (MariaDB: 1205, MySQL: 3572). */
const isLockBusy = (error: unknown): boolean => {
  const errno = (error as { errno?: unknown } | null)?.errno
  return errno === 1205 || errno === 3572
}

/** A `DATETIME(3)` text (`YYYY-MM-DDTHH:MM:SS.ffffff` from the database) as ISO 8601 with milliseconds. */
const isoOf = (text: string): string => `${text.slice(0, 23)}Z`

/** An ISO 8601 time as a `DATETIME(3)` literal (UTC). */
const datetimeOf = (iso: string): string => iso.slice(0, 23).replace('T', ' ')

/** Topics in byte order (the order their head rows are locked in). */
const byteOrder = (topics: Iterable<string>): string[] =>
  [...topics].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))

/** The deadlock as what `publish()` rejects with: nothing committed, worth retrying. */
const deadlockFailure = (cause: unknown): PublishFailedError => new PublishFailedError(cause, false, true)

/** An executor in the caller's open transaction, or a `TypeError` saying what is accepted. */
const transactionOf = (value: unknown): SqlExecutor => callerTransaction(value, 'mysql', 'durable-sse/mysql')

/**
 * Creates a MySQL or MariaDB store. Call `await store.migrate()` once before use.
 * @example
 * const store = mysqlStore({ uri: process.env.DATABASE_URL })
 * await store.migrate()
 * const broker = createBroker(store)
 */
export function mysqlStore(options: MysqlStoreOptions): MysqlStore {
  const config = resolveConfig(options)
  const sql = mysqlSql(config)
  const connection = openConnection(options, config)
  const { db } = connection

  /** The database's epoch, read once (ids of a re-created database then carry another one). */
  const epochs = epochReader(db, sql.selectEpoch, 'durable-sse/mysql', sql.tables.meta)
  const epoch = (): Promise<string> => epochs.get()

  /** Each topic's head id (the start id for a topic without events), read through `executor`. */
  const headsThrough = async (executor: Kysely<any>, topics: readonly string[]): Promise<Map<string, string>> => {
    const currentEpoch = await epoch()
    const found = await rowsOf<{ topic: string; head: number | string }>(executor, sql.heads, [[...new Set(topics)]])
    return headIds(
      currentEpoch,
      topics,
      found.map(({ topic, head }) => ({ topic, head: Number(head) })),
    )
  }

  /** Topics whose head row exists (rows are never deleted); forgotten wholesale past {@link KNOWN_TOPICS}. */
  const knownTopics = new Set<string>()
  /** Creates the missing head rows of `topics` in autocommit on the store's pool (retried on a deadlock: it is idempotent). */
  const ensureHeads = async (topics: readonly string[]): Promise<void> => {
    const missing = topics.filter((topic) => !knownTopics.has(topic))
    if (missing.length === 0) return
    for (let attempt = 0; ; attempt++) {
      try {
        await rowsOf(db, sql.ensureHeads(missing.length), missing)
        break
      } catch (error) {
        if (!isDeadlock(error) || attempt >= config.deadlockRetries) throw error
      }
    }
    if (knownTopics.size + missing.length > KNOWN_TOPICS) knownTopics.clear()
    for (const topic of missing) knownTopics.add(topic)
  }

  /**
   * Prepares an append of `drafts`: each topic's event count, the topics in lock order, and their
   * head rows made. Before the append's transaction: made inside it, with a connection held, the
   * head rows would wait for a second connection of the same pool.
   */
  const prepareAppend = async (drafts: readonly EventDraft[]): Promise<PreparedAppend> => {
    const counts = new Map<string, number>()
    for (const { topic } of drafts) {
      if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES)
        throw new InvalidTopicError(`durable-sse/mysql: a topic is at most ${MAX_TOPIC_BYTES} bytes`)
      counts.set(topic, (counts.get(topic) ?? 0) + 1)
    }
    const topics = byteOrder(counts.keys())
    await ensureHeads(topics)
    return { drafts, counts, topics, epoch: await epoch() }
  }

  /** Writes a prepared append through `executor`, which is inside a transaction (the store's or the caller's). */
  const appendThrough = async (executor: SqlExecutor, { drafts, counts, topics, epoch: currentEpoch }: PreparedAppend) => {
    await rowsOf(executor, sql.bumpHeads(topics.length), [...topics.flatMap((topic) => [topic, counts.get(topic)]), topics])
    const heads = await rowsOf<{ topic: string; head: number | string; now: string }>(executor, sql.lockedHeads, [topics])
    // The upsert gave each topic positions head - n + 1 .. head, handed out in the order of `drafts`.
    const next = new Map<string, number>()
    for (const row of heads) next.set(row.topic, Number(row.head) - (counts.get(row.topic) ?? 0) + 1)
    const createdAt = isoOf(heads[0]?.now as string) // one clock reading for the whole append
    const records = drafts.map((draft) => {
      const seq = next.get(draft.topic) as number
      next.set(draft.topic, seq + 1)
      return { ...draft, seq, id: formatEventId(currentEpoch, seq), createdAt }
    })
    const stamp = datetimeOf(createdAt)
    await rowsOf(
      executor,
      sql.insertEvents(records.length),
      records.flatMap((record) => [record.topic, record.seq, record.type, record.data, stamp, record.traceContext ?? null]),
    )
    return records.map(({ seq: _, ...record }): EventRecord => record)
  }

  const changeQueries: ChangeQueries = {
    latestGids: async () => (await rowsOf<{ gid: number | string }>(db, sql.latestGids)).map((row) => Number(row.gid)),
    changes: async (after, limit, gaps) => {
      const found = await rowsOf<{ gid: number | string; topic: string }>(
        db,
        gaps.length === 0 ? sql.changesAfter : sql.changesAfterAndGaps,
        gaps.length === 0 ? [after, limit] : [after, limit, gaps],
      )
      return found.map((row) => ({ gid: Number(row.gid), topic: row.topic }))
    },
    probe: async (gid) => {
      try {
        const [row] = await rowsOf<{ topic: string }>(db, sql.probeGap, [gid])
        return row === undefined ? { state: 'gone' } : { state: 'committed', topic: row.topic }
      } catch (error) {
        if (isLockBusy(error)) return { state: 'pending' }
        throw error
      }
    },
  }

  // The wake-up check: its own change cursor, moved every few tens of ms while the broker listens.
  let watchToken: string | undefined
  let watchVersion = 0
  const watcher = new DataVersionWatcher(async () => {
    const changes = await changedTopics(changeQueries, watchToken)
    if (watchToken !== undefined && (changes.topics === undefined || changes.topics.length > 0)) watchVersion++
    watchToken = changes.token
    return String(watchVersion)
  }, config.changesIntervalMs)

  return {
    async migrate(): Promise<void> {
      await migrateMysql(connection.migrations, sql, config.tablePrefix)
      epochs.forget()
      await epoch()
    },

    async append(drafts: readonly EventDraft[], options?: AppendOptions): Promise<EventRecord[]> {
      if (options?.transaction !== undefined) {
        const executor = transactionOf(options.transaction)
        if (drafts.length === 0) return []
        const prepared = await prepareAppend(drafts)
        // A deadlock rolled the caller's whole transaction back: say so, typed.
        return appendThrough(executor, prepared).catch((error: unknown) => {
          throw isDeadlock(error) ? deadlockFailure(error) : error
        })
      }
      if (drafts.length === 0) return []
      const prepared = await prepareAppend(drafts)
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction().execute((trx) => appendThrough(trx, prepared))
        } catch (error) {
          if (!isDeadlock(error)) throw error
          if (attempt >= config.deadlockRetries) throw deadlockFailure(error)
        }
      }
    },

    async readAfter(cursors: readonly TopicCursor[], limit: number): Promise<Map<string, EventRecord[]>> {
      const result = new Map<string, EventRecord[]>()
      const perTopic = Math.floor(limit)
      if (cursors.length === 0 || !(perTopic >= 1)) return result
      const after = positionsAfter(cursors, 'durable-sse/mysql')
      const currentEpoch = await epoch()
      const asked = [...after]
      for (let start = 0; start < asked.length; start += TOPICS_PER_READ) {
        const slice = asked.slice(start, start + TOPICS_PER_READ)
        const found = await rowsOf<EventRow & { seq: number | string; created_at: string }>(
          db,
          sql.readAfter(slice.length),
          slice.flatMap(([topic, seq]) => [topic, seq, perTopic]),
        )
        for (const row of found) addRow(result, row, formatEventId(currentEpoch, Number(row.seq)), isoOf(row.created_at))
      }
      return result
    },

    async heads(topics: readonly string[]): Promise<Map<string, string>> {
      return topics.length === 0 ? new Map() : headsThrough(db, topics)
    },

    async checkResume(topic: string, id: string): Promise<ResumeCheck> {
      const seq = ownSeq(id, await epoch())
      if (seq === undefined) return { ok: false, reason: 'foreign' }
      const [state] = await rowsOf<{ head: number | string | null; pruned_through: number | string | null }>(
        db,
        sql.resumeState,
        [topic, topic],
      )
      return resumeCheck(seq, Number(state?.head ?? 0), Number(state?.pruned_through ?? 0))
    },

    isValidId: isEventId,

    positionOf: parseEventId,

    changedTopics: (token) => changedTopics(changeQueries, token),

    onWake: (listener) => watcher.subscribe(listener),

    async snapshot<State>(
      topics: readonly string[],
      read: (transaction: unknown) => Promise<State>,
    ): Promise<StoreSnapshot<State>> {
      await epoch() // read before the transaction, on another connection, when not known yet
      // Its first read (the heads) takes the snapshot, as START TRANSACTION WITH CONSISTENT SNAPSHOT would.
      return readOnlySnapshot(connection.app, (trx) => headsThrough(trx, topics), read)
    },

    async deleteBefore(date: Date): Promise<number> {
      const cutoff = datetimeOf(validCutoff(date).toISOString())
      let total = 0
      for (;;) {
        // READ COMMITTED: the locking read locks the old rows it returns, no gaps a publisher inserts into.
        const deleted = await db
          .transaction()
          .setIsolationLevel('read committed')
          .execute(async (trx) => {
            const doomed = await rowsOf<{ gid: number | string; topic: string; seq: number | string }>(trx, sql.selectDoomed, [
              cutoff,
              config.deleteBatchSize,
            ])
            if (doomed.length === 0) return 0
            const through = new Map<string, number>()
            for (const row of doomed) through.set(row.topic, Math.max(through.get(row.topic) ?? 0, Number(row.seq)))
            await rowsOf(trx, sql.deleteEvents, [doomed.map((row) => row.gid)])
            const pruned = byteOrder(through.keys())
            await rowsOf(
              trx,
              sql.recordPruned(pruned.length),
              pruned.flatMap((topic) => [topic, through.get(topic)]),
            )
            return doomed.length
          })
        total += deleted
        // A short batch means nothing else was old enough (or another process holds the rest).
        if (deleted < config.deleteBatchSize) return total
      }
    },

    async close(): Promise<void> {
      watcher.close()
      await connection.close()
    },
  }
}
