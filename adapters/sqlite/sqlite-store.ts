/**
 * `sqliteStore()`: the `EventStore` on SQLite. Ids are `epoch.rowid`: the `AUTOINCREMENT` id of
 * the events table (writers are serialised by SQLite, so id order is commit order) behind the
 * database's random epoch. What the store needs from SQLite lives in the backends; this file holds
 * the contract's rules: ids, heads, resume checks, retention batches, wake-ups and changed topics.
 * @module
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { DatabaseReplacedError, StoreClosedError } from '../../src/errors.js'
import type { EventDraft, EventRecord } from '../../src/event.js'
import { formatEventId, isEventId, ownSeq, parseEventId, resumeCheck } from '../../src/event-id.js'
import type {
  AppendOptions,
  EventStore,
  ResumeCheck,
  StoreSnapshot,
  TopicChanges,
  TopicCursor,
  Unsubscribe,
} from '../../src/store.js'
import { EpochCache } from '../kit/epoch-cache.js'
import { callerKysely } from '../kit/kysely.js'
import { numberOption } from '../kit/options.js'
import { DataVersionWatcher } from '../kit/version-watcher.js'
import type { SqliteBackend } from './sqlite-backend.js'
import { deadlineOf } from './sqlite-busy.js'
import { FileGuard } from './sqlite-file-guard.js'
import { headRows, runSql } from './sqlite-kysely.js'
import { KyselyBackend } from './sqlite-kysely-backend.js'
import { explainMissingTables } from './sqlite-migrations.js'
import { NativeBackend } from './sqlite-native-backend.js'
import { openDatabase, openFile } from './sqlite-open.js'
import {
  DELETE_BATCH_SIZE,
  type EventRow,
  type HeadRow,
  MAX_LISTED_TOPICS,
  MAX_SCANNED_CHANGES,
  type SqliteSql,
  sqliteSql,
  sqliteTables,
} from './sqlite-sql.js'
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_DATA_VERSION_INTERVAL_MS,
  DEFAULT_TABLE_PREFIX,
  type SqliteStoreOptions,
} from './sqlite-store-config.js'
import { appendInSyncTransaction, appendInTransaction, readEpochIn } from './sqlite-transaction.js'

/** The SQLite `EventStore`, plus the migration that creates its tables. */
export interface SqliteEventStore extends EventStore {
  /**
   * Creates or upgrades the store's tables (recorded in `<prefix>migration`, never the app's
   * migration table) and puts the file in WAL mode. Idempotent; several processes may run it at once.
   */
  migrate(): Promise<void>
  /**
   * Calls `listener` (without a topic) when `PRAGMA data_version` shows that a commit happened,
   * checked every `dataVersionIntervalMs` while at least one listener is registered.
   */
  onWake(listener: (topic?: string) => void): Unsubscribe
  /**
   * The topics of the events committed after `token`, found by rowid (one global commit order).
   * Tokens are `epoch.rowid`, the newest event id seen. More than 1,000 topics, a token more than
   * 10,000 events behind, ahead of the log, malformed or of another database: `topics: undefined`
   * (read every topic), with a fresh token.
   */
  changedTopics(token: string | undefined): Promise<TopicChanges>
}

/** The default `onError`: one line on stderr. */
const defaultOnError = (error: unknown): void => {
  console.warn(`durable-sse/sqlite: ${error instanceof Error ? error.message : String(error)}`)
}

/** The records of `drafts`, given the ids they were inserted with. */
const recordsOf = (drafts: readonly EventDraft[], epoch: string, ids: readonly number[], createdAt: string): EventRecord[] =>
  drafts.map((draft, index) => ({ ...draft, id: formatEventId(epoch, ids[index] as number), createdAt }))

/**
 * Creates the SQLite store from a file name, the caller's better-sqlite3 `Database`, or the
 * caller's `Kysely` on SQLite. Run `await store.migrate()` once before use.
 * @example
 * const store = sqliteStore({ filename: 'events.db' })
 * await store.migrate()
 * const broker = createBroker(store)
 */
export function sqliteStore(options: SqliteStoreOptions): SqliteEventStore {
  const open = opener(options)
  const sql = sqliteSql(sqliteTables(options.tablePrefix ?? DEFAULT_TABLE_PREFIX))
  const intervalMs = milliseconds(options.dataVersionIntervalMs, DEFAULT_DATA_VERSION_INTERVAL_MS, 'dataVersionIntervalMs', 1)
  const busyTimeoutMs = milliseconds(options.busyTimeoutMs, DEFAULT_BUSY_TIMEOUT_MS, 'busyTimeoutMs', 0)
  const onError = options.onError ?? defaultOnError
  if (typeof onError !== 'function') throw new TypeError('sqliteStore: onError must be a function')

  let closed = false
  let opened: SqliteBackend | undefined
  let opening: Promise<SqliteBackend> | undefined
  /** Which file the path named when the store opened it (none for a database in memory). */
  let guard: FileGuard | undefined
  /** Set once the file is gone from its path: every later call rejects with it. */
  let replaced: DatabaseReplacedError | undefined

  const backend = (): Promise<SqliteBackend> => {
    if (closed) return Promise.reject(new StoreClosedError('durable-sse/sqlite'))
    if (replaced) return Promise.reject(replaced)
    opening ??= open(sql, busyTimeoutMs)
      .then(async (created) => {
        try {
          guard = FileGuard.of(await created.databaseFile())
        } catch (error) {
          await created.close()
          throw error
        }
        opened = created
        return created
      })
      .catch((error: unknown) => {
        opening = undefined
        throw error
      })
    return opening
  }

  const epochs = new EpochCache(() =>
    backend()
      .then((ready) => ready.readEpoch())
      .catch((error: unknown) => Promise.reject(explainMissingTables(error))),
  )
  const epoch = (): Promise<string> => epochs.get()

  /** Throws once the path no longer names the file the store opened; the first time, reports it to `onError`. */
  const assertFileInPlace = (): void => {
    if (replaced) throw replaced
    const change = guard?.change()
    if (!guard || !change) return
    replaced = new DatabaseReplacedError(guard.path, change)
    onError(replaced)
    throw replaced
  }

  const watcher = new DataVersionWatcher(() => {
    assertFileInPlace() // also while no one publishes: the wake-up timer runs whenever someone subscribes
    return opened ? opened.dataVersion() : backend().then((ready) => ready.dataVersion())
  }, intervalMs)

  const toRecord = (epochId: string, row: EventRow): EventRecord => {
    const record: EventRecord = {
      topic: row.topic,
      type: row.type,
      data: row.data,
      id: formatEventId(epochId, Number(row.id)),
      createdAt: row.created_at,
    }
    if (row.trace_context !== null) record.traceContext = row.trace_context
    return record
  }

  /** A topic's head seq and pruned-through seq: after pruning everything, the head stays at the mark. */
  const headOf = (row: HeadRow | undefined): { head: number; through: number } => {
    const through = Number(row?.through ?? 0)
    return { head: Math.max(Number(row?.head ?? 0), through), through }
  }

  /** Each topic's head id, from the head rows read for them (the start id for a topic without events). */
  const headIds = (epochId: string, topics: readonly string[], rows: ReadonlyMap<string, HeadRow>): Map<string, string> =>
    new Map(topics.map((topic) => [topic, formatEventId(epochId, headOf(rows.get(topic)).head)]))

  return {
    async migrate(): Promise<void> {
      await (await backend()).migrate()
      epochs.forget()
      await epoch()
    },

    async append(drafts: readonly EventDraft[], appendOptions?: AppendOptions): Promise<EventRecord[]> {
      // The lock wait ends busyTimeoutMs after the oldest grouped call arrived (or after now).
      const deadline = deadlineOf(busyTimeoutMs, appendOptions?.waitingSince)
      const ready = await backend()
      const transaction = appendOptions?.transaction
      // Inside a caller's transaction, our own connection may be the one it holds (the `db` form, or
      // a shared in-memory `database`): read the epoch through the transaction rather than wait for it.
      const epochId =
        transaction === undefined || epochs.known
          ? await epoch()
          : await readEpochIn(transaction, sql).catch((error: unknown) => Promise.reject(explainMissingTables(error)))
      if (drafts.length === 0) return []
      const createdAt = new Date().toISOString()
      const ids =
        transaction === undefined
          ? await ready.append(drafts, createdAt, deadline)
          : await appendInTransaction(transaction, sql, drafts, createdAt)
      // Acknowledge only what is in the file at the path: committed to a file no one can open any
      // more, the events are lost with it, so the append fails instead (a `stat`, a few µs).
      assertFileInPlace()
      return recordsOf(drafts, epochId, ids, createdAt)
    },

    appendSync(drafts: readonly EventDraft[], appendOptions: { transaction: unknown }): EventRecord[] {
      if (drafts.length === 0) return []
      const createdAt = new Date().toISOString()
      const { epoch: epochId, ids } = appendInSyncTransaction(appendOptions?.transaction, sql, drafts, createdAt)
      assertFileInPlace()
      return recordsOf(drafts, epochId, ids, createdAt)
    },

    async readAfter(cursors: readonly TopicCursor[], limit: number): Promise<Map<string, EventRecord[]>> {
      const ready = await backend()
      const epochId = await epoch()
      const result = new Map<string, EventRecord[]>()
      const perTopic = Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER)
      if (cursors.length === 0 || !(perTopic >= 1)) return result
      const seqCursors = cursors.map(({ topic, after }) => ({ topic, after: parseEventId(after)?.seq ?? 0 }))
      for (const [topic, rows] of await ready.readAfter(seqCursors, perTopic)) {
        result.set(
          topic,
          rows.map((row) => toRecord(epochId, row)),
        )
      }
      return result
    },

    async heads(topics: readonly string[]): Promise<Map<string, string>> {
      const ready = await backend()
      const epochId = await epoch()
      const rows = topics.length === 0 ? new Map<string, HeadRow>() : await ready.heads(topics)
      return headIds(epochId, topics, rows)
    },

    async checkResume(topic: string, id: string): Promise<ResumeCheck> {
      const ready = await backend()
      const seq = ownSeq(id, await epoch())
      if (seq === undefined) return { ok: false, reason: 'foreign' }
      const { head, through } = headOf((await ready.heads([topic])).get(topic))
      return resumeCheck(seq, head, through)
    },

    isValidId: isEventId,

    async changedTopics(token: string | undefined): Promise<TopicChanges> {
      const ready = await backend()
      const epochId = await epoch()
      // The head first, then the topics up to it: every id up to a committed head is committed
      // (writers are serialised and take their ids inside their write transaction).
      const head = await ready.sequenceHead()
      const next = formatEventId(epochId, head)
      if (token === undefined) return { topics: [], token: next }
      const after = ownSeq(token, epochId)
      // A token of another database, or ahead of this one (a copy of the file that went further),
      // cannot say what changed; one far behind is cheaper answered by reading every topic.
      if (after === undefined || after > head || head - after > MAX_SCANNED_CHANGES) {
        return { topics: undefined, token: next }
      }
      if (after === head) return { topics: [], token: next }
      const topics = await ready.topicsBetween(after, head, MAX_LISTED_TOPICS + 1)
      return { topics: topics.length > MAX_LISTED_TOPICS ? undefined : topics, token: next }
    },

    async snapshot<State>(
      topics: readonly string[],
      read: (transaction: unknown) => Promise<State>,
    ): Promise<StoreSnapshot<State>> {
      const ready = await backend()
      const epochId = await epoch()
      const { db, release } = await ready.snapshotDb()
      try {
        // A deferred transaction reads one WAL snapshot from its first statement: the heads, then the app's reads.
        return await db.transaction().execute(async (trx) => {
          const plain = trx.withoutPlugins()
          const rows = await headRows((text, parameters) => runSql(plain, text, parameters), sql, topics)
          const heads = headIds(epochId, topics, rows)
          return { state: await read(trx), heads }
        })
      } finally {
        await release()
      }
    },

    async deleteBefore(date: Date): Promise<number> {
      const ready = await backend()
      await epoch()
      const cutoff = date.toISOString()
      let deleted = 0
      for (;;) {
        const batch = await ready.pruneBatch(cutoff, DELETE_BATCH_SIZE)
        deleted += batch.deleted
        if (!batch.more) return deleted
        await nextTurn() // let requests and other writers in between batches
      }
    },

    onWake(listener: (topic?: string) => void): Unsubscribe {
      return watcher.subscribe(listener)
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      watcher.close()
      const ready = await opening?.catch(() => undefined)
      await ready?.close()
    },
  }
}

/** Picks the backend for exactly one of `filename`, `database` or `db`; throws a `TypeError` otherwise. */
function opener(options: SqliteStoreOptions): (sql: SqliteSql, busyTimeoutMs: number) => Promise<SqliteBackend> {
  const given = (['filename', 'database', 'db'] as const).filter((key) => options?.[key] !== undefined)
  if (given.length !== 1) {
    throw new TypeError('sqliteStore: pass exactly one of `filename`, `database` or `db`')
  }
  if (options.filename !== undefined) {
    const { filename } = options
    if (typeof filename !== 'string') throw new TypeError('sqliteStore: `filename` must be a string')
    return async (sql, busyTimeoutMs) => new NativeBackend(await openFile(filename), sql, busyTimeoutMs)
  }
  if (options.database !== undefined) {
    const { database } = options
    if (typeof database.prepare !== 'function') {
      throw new TypeError('sqliteStore: `database` must be a better-sqlite3 Database')
    }
    return async (sql, busyTimeoutMs) => new NativeBackend(openDatabase(database), sql, busyTimeoutMs)
  }
  callerKysely(options.db, 'sqliteStore: `db` must be a Kysely instance on SQLite (not a transaction)')
  const { db } = options
  return async (sql, busyTimeoutMs) => new KyselyBackend(db, sql, busyTimeoutMs)
}

/** `value` (or `fallback`) as a finite number of milliseconds of at least `min`. */
const milliseconds = (value: number | undefined, fallback: number, name: string, min: number): number =>
  numberOption('sqliteStore', name, value, fallback, { min, unit: 'milliseconds' })
