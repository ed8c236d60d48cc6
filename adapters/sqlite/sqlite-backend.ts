/**
 * The internal seam between the store (ids, epochs, resume rules) and the two ways of reaching
 * SQLite: better-sqlite3 connections the store holds, or the caller's Kysely.
 * @module
 */
import type { EventDraft } from '../../src/event.js'
import type { Deadline } from './sqlite-busy.js'
import type { AnyKysely } from './sqlite-kysely.js'
import type { EventRow, HeadRow } from './sqlite-sql.js'

/** A topic and the position (a number, never text) to read after. */
export interface SeqCursor {
  /** The topic. */
  topic: string
  /** Read ids strictly greater than this. */
  after: number
}

/** What one retention batch did. */
export interface PruneBatch {
  /** Events deleted. */
  deleted: number
  /** Whether older events may remain (the batch was full). */
  more: boolean
}

/** One way of running the store's SQL. */
export interface SqliteBackend {
  /** Creates or upgrades the tables; idempotent and safe when several processes run it at once. */
  migrate(): Promise<void>
  /** The per-database epoch; throws when the tables do not exist yet. */
  readEpoch(): Promise<string>
  /**
   * Inserts the drafts in one write transaction; returns their ids in the given order. Waits for the
   * write lock until `deadline`, then fails with `SQLITE_BUSY`.
   */
  append(drafts: readonly EventDraft[], createdAt: string, deadline: Deadline): Promise<number[]>
  /** Committed events after each cursor, oldest first, at most `limit` per topic; empty topics absent. */
  readAfter(cursors: readonly SeqCursor[], limit: number): Promise<Map<string, EventRow[]>>
  /** Head and pruned-through rows per topic. */
  heads(topics: readonly string[]): Promise<Map<string, HeadRow>>
  /** The highest id ever given to an event (0 before the first), committed: it never goes back, even when retention empties the table. */
  sequenceHead(): Promise<number>
  /** The distinct topics of committed events with ids in (after, through], at most `limit`. */
  topicsBetween(after: number, through: number, limit: number): Promise<string[]>
  /** Deletes, in one write transaction, up to `batchSize` of the oldest events created before `cutoff`. */
  pruneBatch(cutoff: string, batchSize: number): Promise<PruneBatch>
  /**
   * A token that changes when a commit may have happened since the last call, or `undefined` when
   * it cannot be read right now. Seen from the read connection.
   */
  dataVersion(): string | undefined | Promise<string | undefined>
  /** The absolute path of the main database file, from `PRAGMA database_list` (`''` for a private or in-memory one). */
  databaseFile(): Promise<string>
  /**
   * A Kysely whose transactions see the database as the app does (the caller's own Kysely, plugins
   * included, in the `db` form; else one over a read connection of the store's), for snapshots;
   * `release()` closes what was opened for it.
   */
  snapshotDb(): Promise<{ db: AnyKysely; release(): Promise<void> }>
  /** Closes what the backend opened itself. */
  close(): Promise<void>
}

/** What to delete in one retention batch. */
export interface PrunePlan {
  /** Events to delete: the first `count` of the oldest rows. */
  count: number
  /** Delete every event with an id up to this one. */
  throughId: number
  /** Per topic, the highest id deleted. */
  throughByTopic: Map<string, number>
}

/**
 * Plans a retention batch from the oldest rows (in id order): the run of rows created before
 * `cutoff`, stopping at the first newer one, so what remains of every topic is a suffix of it and
 * "pruned through N" means exactly "every event of the topic up to N is gone".
 */
export function planPrune(oldest: readonly Pick<EventRow, 'id' | 'topic' | 'created_at'>[], cutoff: string): PrunePlan {
  const throughByTopic = new Map<string, number>()
  let count = 0
  let throughId = 0
  for (const row of oldest) {
    if (!(row.created_at < cutoff)) break
    throughId = Number(row.id)
    throughByTopic.set(row.topic, throughId)
    count++
  }
  return { count, throughId, throughByTopic }
}
