/**
 * The store's SQL through the caller's `Kysely` on SQLite (the `db` form). The store cannot reach
 * the driver underneath, so reads, writes and the `data_version` check all share Kysely's one
 * connection; `total_changes()` stands in for the commits made on that very connection.
 * @module
 */
import type { EventDraft } from '../../src/event.js'
import { type PruneBatch, planPrune, type SeqCursor, type SqliteBackend } from './sqlite-backend.js'
import { type Deadline, deadlineOf, retryWhileBusy } from './sqlite-busy.js'
import { type AnyKysely, headRows, insertThroughKysely, runSql } from './sqlite-kysely.js'
import { appliedVersion, createMigrationTable, epochMissing, JOURNAL_MODE_WAL, migrationSteps } from './sqlite-migrations.js'
import { chunks, type EventRow, type HeadRow, MAX_TOPICS_PER_READ, type SqliteSql } from './sqlite-sql.js'

/** Most pruned-through marks raised by one statement (2 parameters each). */
const MARKS_PER_STATEMENT = 200

/** Runs the store's SQL through a plugin-free view of the caller's Kysely. */
export class KyselyBackend implements SqliteBackend {
  readonly #db: AnyKysely
  /** The caller's Kysely as given, plugins included (snapshots run the app's reads through it). */
  readonly #app: AnyKysely
  readonly #sql: SqliteSql
  readonly #busyTimeoutMs: number
  /** The end of the queue of this backend's work on the connection (see `#serial`). */
  #queue: Promise<unknown> = Promise.resolve()

  constructor(db: AnyKysely, sql: SqliteSql, busyTimeoutMs: number) {
    this.#app = db
    this.#db = db.withoutPlugins()
    this.#sql = sql
    this.#busyTimeoutMs = busyTimeoutMs
  }

  async migrate(): Promise<void> {
    await this.#run(JOURNAL_MODE_WAL)
    const tables = this.#sql.tables
    await this.#write(async (db) => {
      const create = createMigrationTable(tables)
      await runSql(db, create.sql, create.parameters)
      const [row] = await runSql<{ version: number | bigint }>(db, appliedVersion(tables).sql)
      for (const step of migrationSteps(tables, Number(row?.version ?? 0))) await runSql(db, step.sql, step.parameters)
    })
  }

  async readEpoch(): Promise<string> {
    const [row] = await this.#run<{ value: string }>(this.#sql.epoch)
    if (!row) throw epochMissing()
    return row.value
  }

  append(drafts: readonly EventDraft[], createdAt: string, deadline: Deadline): Promise<number[]> {
    return this.#write((db) => insertThroughKysely(db, this.#sql, drafts, createdAt), deadline)
  }

  async readAfter(cursors: readonly SeqCursor[], limit: number): Promise<Map<string, EventRow[]>> {
    const result = new Map<string, EventRow[]>()
    for (const chunk of chunks(cursors, MAX_TOPICS_PER_READ)) {
      const parameters = chunk.flatMap(({ topic, after }) => [topic, after, limit])
      const sql = chunk.length === 1 ? this.#sql.readAfter : this.#sql.readAfterMany(chunk.length)
      for (const row of await this.#run<EventRow>(sql, parameters)) {
        const rows = result.get(row.topic)
        if (rows) rows.push(row)
        else result.set(row.topic, [row])
      }
    }
    // A compound SELECT promises no order across its terms: restore id order per topic.
    for (const rows of result.values()) rows.sort((a, b) => Number(a.id) - Number(b.id))
    return result
  }

  heads(topics: readonly string[]): Promise<Map<string, HeadRow>> {
    return headRows((sql, parameters) => this.#run(sql, parameters), this.#sql, topics)
  }

  async sequenceHead(): Promise<number> {
    const [row] = await this.#run<{ head: number | bigint }>(this.#sql.sequenceHead)
    return Number(row?.head ?? 0)
  }

  async topicsBetween(after: number, through: number, limit: number): Promise<string[]> {
    const rows = await this.#run<{ topic: string }>(this.#sql.topicsBetween, [after, through, limit])
    return rows.map((row) => row.topic)
  }

  pruneBatch(cutoff: string, batchSize: number): Promise<PruneBatch> {
    return this.#write(async (db) => {
      const plan = planPrune(await runSql<EventRow>(db, this.#sql.oldest, [batchSize]), cutoff)
      if (plan.count === 0) return { deleted: 0, more: false }
      for (const marks of chunks([...plan.throughByTopic], MARKS_PER_STATEMENT)) {
        await runSql(db, this.#sql.markPruned(marks.length), marks.flat())
      }
      await runSql(db, this.#sql.deleteThrough, [plan.throughId])
      return { deleted: plan.count, more: plan.count === batchSize }
    })
  }

  async dataVersion(): Promise<string | undefined> {
    const [row] = await this.#run<{ version: number; changes: number }>(this.#sql.dataVersion)
    return row && `${row.version}:${row.changes}`
  }

  async databaseFile(): Promise<string> {
    const [row] = await this.#run<{ file: string }>(this.#sql.databaseFile)
    return row?.file ?? ''
  }

  async snapshotDb(): Promise<{ db: AnyKysely; release(): Promise<void> }> {
    return { db: this.#app, release: async () => {} }
  }

  async close(): Promise<void> {
    // The Kysely is the caller's: never destroyed here.
  }

  /** Runs one statement through the queue, on the plugin-free view of the caller's Kysely. */
  #run<Row>(sql: string, parameters: readonly unknown[] = []): Promise<Row[]> {
    return this.#serial(() => runSql<Row>(this.#db, sql, parameters))
  }

  /**
   * Runs `work` once every earlier piece of work of this backend has settled. Kysely's SQLite
   * dialect wakes every waiter of its one connection at each release, so n statements waiting at
   * once (a broker attaching thousands of topics) cost O(n²); through this queue, at most one of
   * ours waits there. The queue only orders what would have run one at a time anyway.
   */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work)
    this.#queue = result.catch(() => undefined)
    return result
  }

  /**
   * Runs `work` inside `BEGIN IMMEDIATE ... COMMIT` on one reserved connection. The lock is tried
   * with `busy_timeout` 0 (restored right after), and waited for on a timer, so a busy database
   * never freezes the event loop inside the synchronous driver. Gives up at `deadline` (default:
   * `busyTimeoutMs` from now); waiting for Kysely's connection itself (held by the app's own
   * transaction) is not bounded, since an attempt already waiting cannot be withdrawn.
   */
  #write<T>(work: (db: AnyKysely) => Promise<T>, deadline = deadlineOf(this.#busyTimeoutMs)): Promise<T> {
    return retryWhileBusy(
      () =>
        this.#serial(() =>
          this.#db.connection().execute(async (db) => {
            await this.#begin(db)
            try {
              const result = await work(db)
              await runSql(db, 'COMMIT')
              return result
            } catch (error) {
              await runSql(db, 'ROLLBACK').catch(() => undefined)
              throw error
            }
          }),
        ),
      deadline,
      'the write lock',
    )
  }

  /** `BEGIN IMMEDIATE` that fails at once with `SQLITE_BUSY` instead of sleeping in the driver. */
  async #begin(db: AnyKysely): Promise<void> {
    const [row] = await runSql<{ timeout: number | bigint }>(db, 'PRAGMA busy_timeout')
    const timeout = Number(row?.timeout ?? 0)
    if (timeout === 0) {
      await runSql(db, 'BEGIN IMMEDIATE')
      return
    }
    await runSql(db, 'PRAGMA busy_timeout = 0')
    try {
      await runSql(db, 'BEGIN IMMEDIATE')
    } finally {
      await runSql(db, `PRAGMA busy_timeout = ${timeout}`)
    }
  }
}
