/**
 * The store's SQL on better-sqlite3 connections (the `filename` and `database` forms). Writes run
 * on the writer in `BEGIN IMMEDIATE`; reads and the `data_version` check run on a separate reader,
 * which never sees uncommitted rows and notices every commit, the writer's included.
 * @module
 */
import type { EventDraft } from '../../src/event.js'
import { type PruneBatch, planPrune, type SeqCursor, type SqliteBackend } from './sqlite-backend.js'
import { type Deadline, deadlineOf, isBusyError, NOT_NOW, retryWhileBusy } from './sqlite-busy.js'
import { type AnyKysely, kyselyOver } from './sqlite-kysely.js'
import {
  appliedVersion,
  createMigrationTable,
  epochMissing,
  JOURNAL_MODE_WAL,
  migrationSteps,
  type SqlStep,
} from './sqlite-migrations.js'
import { anotherReader, type NativeConnections } from './sqlite-open.js'
import type { EventRow, HeadRow, SqliteSql } from './sqlite-sql.js'
import type { SqliteDatabase, SqliteStatement } from './sqlite-store-config.js'

/** Runs the store's SQL on better-sqlite3 connections, with statements prepared once and cached. */
export class NativeBackend implements SqliteBackend {
  readonly #writer: SqliteDatabase
  readonly #reader: SqliteDatabase
  readonly #connections: NativeConnections
  readonly #sql: SqliteSql
  readonly #busyTimeoutMs: number
  /** Reader and writer are one connection: reads must wait until no transaction is open on it. */
  readonly #shared: boolean
  readonly #statements = new Map<SqliteDatabase, Map<string, SqliteStatement>>()

  constructor(connections: NativeConnections, sql: SqliteSql, busyTimeoutMs: number) {
    this.#connections = connections
    this.#writer = connections.writer
    this.#reader = connections.reader
    this.#shared = connections.reader === connections.writer
    this.#sql = sql
    this.#busyTimeoutMs = busyTimeoutMs
  }

  async migrate(): Promise<void> {
    const writer = this.#writer
    if (!this.#connections.ownsWriter) {
      await retryWhileBusy(
        () => (writer.inTransaction ? NOT_NOW : writer.exec(JOURNAL_MODE_WAL)),
        deadlineOf(this.#busyTimeoutMs),
        'the transaction open on the database to end',
      )
    }
    const tables = this.#sql.tables
    await this.#write(() => {
      const run = (step: SqlStep) => writer.prepare(step.sql).run(...step.parameters)
      run(createMigrationTable(tables))
      const { version } = writer.prepare(appliedVersion(tables).sql).get() as { version: number | bigint }
      for (const step of migrationSteps(tables, Number(version))) run(step)
    })
  }

  readEpoch(): Promise<string> {
    return this.#read(() => {
      const row = this.#prepare(this.#reader, this.#sql.epoch).get() as { value: string } | undefined
      if (!row) throw epochMissing()
      return row.value
    })
  }

  append(drafts: readonly EventDraft[], createdAt: string, deadline: Deadline): Promise<number[]> {
    return this.#write(() => {
      // One cached single-row statement run per event: in-process, this beats a multi-row INSERT
      // (binding hundreds of parameters at once costs more than the calls it saves).
      const insert = this.#prepare(this.#writer, this.#sql.insert(1, false))
      const ids: number[] = new Array(drafts.length)
      for (let i = 0; i < drafts.length; i++) {
        const draft = drafts[i] as EventDraft
        ids[i] = Number(insert.run(draft.topic, draft.type, draft.data, createdAt, draft.traceContext ?? null).lastInsertRowid)
      }
      return ids
    }, deadline)
  }

  readAfter(cursors: readonly SeqCursor[], limit: number): Promise<Map<string, EventRow[]>> {
    return this.#read(() => {
      // better-sqlite3 runs in-process and synchronously: a loop of one cached statement costs what
      // one compound statement would, and each topic uses the (topic, id) index directly.
      const statement = this.#prepare(this.#reader, this.#sql.readAfter)
      const result = new Map<string, EventRow[]>()
      for (const { topic, after } of cursors) {
        const rows = statement.all(topic, after, limit) as EventRow[]
        if (rows.length > 0) result.set(topic, rows)
      }
      return result
    })
  }

  heads(topics: readonly string[]): Promise<Map<string, HeadRow>> {
    return this.#read(() => {
      const statement = this.#prepare(this.#reader, this.#sql.head)
      return new Map(topics.map((topic) => [topic, statement.get(topic, topic) as HeadRow]))
    })
  }

  sequenceHead(): Promise<number> {
    return this.#read(() => {
      const row = this.#prepare(this.#reader, this.#sql.sequenceHead).get() as { head: number | bigint } | undefined
      return Number(row?.head ?? 0)
    })
  }

  topicsBetween(after: number, through: number, limit: number): Promise<string[]> {
    return this.#read(() => {
      const rows = this.#prepare(this.#reader, this.#sql.topicsBetween).all(after, through, limit) as { topic: string }[]
      return rows.map((row) => row.topic)
    })
  }

  pruneBatch(cutoff: string, batchSize: number): Promise<PruneBatch> {
    return this.#write(() => {
      const writer = this.#writer
      const oldest = this.#prepare(writer, this.#sql.oldest).all(batchSize) as EventRow[]
      const plan = planPrune(oldest, cutoff)
      if (plan.count === 0) return { deleted: 0, more: false }
      const mark = this.#prepare(writer, this.#sql.markPruned(1))
      for (const [topic, through] of plan.throughByTopic) mark.run(topic, through)
      this.#prepare(writer, this.#sql.deleteThrough).run(plan.throughId)
      return { deleted: plan.count, more: plan.count === batchSize }
    })
  }

  dataVersion(): string | undefined {
    // On a shared connection, an open transaction's rows are visible and its commit is still to come.
    if (this.#shared && this.#writer.inTransaction) return undefined
    try {
      const row = this.#prepare(this.#reader, this.#sql.dataVersion).get() as { version: number; changes: number }
      return `${row.version}:${row.changes}`
    } catch (error) {
      if (isBusyError(error)) return undefined
      throw error
    }
  }

  async databaseFile(): Promise<string> {
    const row = this.#writer.prepare(this.#sql.databaseFile).get() as { file: string } | undefined
    return row?.file ?? ''
  }

  async snapshotDb(): Promise<{ db: AnyKysely; release(): Promise<void> }> {
    // A private database has one connection: the snapshot's transaction holds the writer meanwhile
    // (writes wait for it, as for any open transaction on it), and the connection stays open after.
    if (this.#shared) return { db: kyselyOver(this.#writer), release: async () => {} }
    const db = kyselyOver(anotherReader(this.#reader))
    return { db, release: () => db.destroy() }
  }

  async close(): Promise<void> {
    this.#statements.clear()
    if (this.#connections.ownsReader && !this.#shared) this.#reader.close()
    if (this.#connections.ownsWriter) this.#writer.close()
  }

  /** A statement of `db`, prepared on first use. */
  #prepare(db: SqliteDatabase, sql: string): SqliteStatement {
    let cache = this.#statements.get(db)
    if (!cache) {
      cache = new Map()
      this.#statements.set(db, cache)
    }
    let statement = cache.get(sql)
    if (!statement) {
      statement = db.prepare(sql)
      cache.set(sql, statement)
    }
    return statement
  }

  /** Runs `work` on the reader; on a shared connection, only while no transaction is open on it. */
  #read<T>(work: () => T): Promise<T> {
    return retryWhileBusy(
      () => (this.#shared && this.#writer.inTransaction ? NOT_NOW : work()),
      deadlineOf(this.#busyTimeoutMs),
      'the transaction open on the database to end',
    )
  }

  /**
   * Runs `work` inside `BEGIN IMMEDIATE ... COMMIT` on the writer, all in one synchronous step so
   * nothing else can use the connection in between; waits (on a timer) while the lock is taken,
   * until `deadline` (default: `busyTimeoutMs` from now).
   */
  #write<T>(work: () => T, deadline = deadlineOf(this.#busyTimeoutMs)): Promise<T> {
    const writer = this.#writer
    return retryWhileBusy(
      () => {
        if (writer.inTransaction) return NOT_NOW
        this.#begin()
        try {
          const result = work()
          this.#prepare(writer, 'COMMIT').run()
          return result
        } catch (error) {
          if (writer.inTransaction) this.#prepare(writer, 'ROLLBACK').run()
          throw error
        }
      },
      deadline,
      'the write lock',
    )
  }

  /** `BEGIN IMMEDIATE` that fails at once with `SQLITE_BUSY` instead of sleeping in the driver. */
  #begin(): void {
    const writer = this.#writer
    const begin = this.#prepare(writer, 'BEGIN IMMEDIATE')
    if (this.#connections.ownsWriter) {
      begin.run()
      return
    }
    // The caller's connection keeps its busy_timeout; it is 0 only while this statement runs.
    const { timeout } = this.#prepare(writer, 'PRAGMA busy_timeout').get() as { timeout: number | bigint }
    if (Number(timeout) === 0) {
      begin.run()
      return
    }
    this.#prepare(writer, 'PRAGMA busy_timeout = 0').run()
    try {
      begin.run()
    } finally {
      writer.exec(`PRAGMA busy_timeout = ${Number(timeout)}`)
    }
  }
}
