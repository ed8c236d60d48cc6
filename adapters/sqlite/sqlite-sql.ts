/**
 * Every SQL statement the store runs, written once for one table prefix and shared by the
 * better-sqlite3 and the Kysely paths. Table names are validated, then double-quoted.
 * @module
 */

/** The store's table names for one prefix, already quoted for SQL. */
export interface SqliteTables {
  /** The append-only log: `id INTEGER PRIMARY KEY AUTOINCREMENT`, topic, type, data, created_at. */
  events: string
  /** The events table's name as a SQL string literal (its row in `sqlite_sequence`). */
  eventsName: string
  /** Index name of `(topic, id)`. */
  eventsTopicIndex: string
  /** Key/value rows; holds the per-database `epoch`. */
  meta: string
  /** Per topic, the highest id deleted by retention. */
  pruned: string
  /** The store's own migration record (never the app's `kysely_migration`). */
  migration: string
}

const PREFIX = /^[A-Za-z0-9_]{0,64}$/

/** The quoted table names for `prefix`; throws a `TypeError` unless it is letters, digits and `_`. */
export function sqliteTables(prefix: string): SqliteTables {
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    const got = JSON.stringify(prefix)
    throw new TypeError(`sqliteStore: tablePrefix must be at most 64 letters, digits or "_", got ${got}`)
  }
  const name = (suffix: string): string => `"${prefix}${suffix}"`
  return {
    events: name('events'),
    eventsName: `'${prefix}events'`,
    eventsTopicIndex: name('events_topic_id'),
    meta: name('meta'),
    pruned: name('pruned'),
    migration: name('migration'),
  }
}

/** Most rows in one multi-row `INSERT` (5 parameters each, far below SQLite's variable limit). */
export const MAX_INSERT_ROWS = 250
/** Most topics in one compound read (SQLite allows 500 terms in a compound `SELECT`). */
export const MAX_TOPICS_PER_READ = 200
/** Most rows deleted by retention in one write transaction. */
export const DELETE_BATCH_SIZE = 1_000
/** Most topics one `changedTopics` answer lists; more, and the poller reads every topic instead. */
export const MAX_LISTED_TOPICS = 1_000
/**
 * Most ids `changedTopics` scans for the topics that changed; further behind, it lists none and the
 * poller reads every topic (scanning more would block the event loop longer than that read).
 */
export const MAX_SCANNED_CHANGES = 10_000

/** A row of the events table as SQLite returns it (`id` may be a bigint under `safeIntegers`). */
export interface EventRow {
  id: number | bigint
  topic: string
  type: string
  data: string
  created_at: string
  trace_context: string | null
}

/** A topic's head and pruned-through mark as SQLite returns them (`null` when absent). */
export interface HeadRow {
  topic?: string
  head: number | bigint | null
  through: number | bigint | null
}

/** The statements of one table prefix. */
export interface SqliteSql {
  /** The tables they use. */
  tables: SqliteTables
  /** Inserts `rows` events (topic, type, data, created_at, trace_context per row), optionally `RETURNING id`. */
  insert(rows: number, returning: boolean): string
  /** Events of one topic after an id: parameters topic, after, limit. */
  readAfter: string
  /** Events of `topics` topics after their ids in one statement: (topic, after, limit) per topic. */
  readAfterMany(topics: number): string
  /** One topic's head and pruned-through mark: parameters topic, topic. */
  head: string
  /** Heads and pruned-through marks of `topics` topics: one topic parameter each. */
  headsMany(topics: number): string
  /** The oldest events by id (id, topic, created_at): parameter limit. */
  oldest: string
  /** Raises `topics` topics' pruned-through marks: (topic, through) per topic. */
  markPruned(topics: number): string
  /** Deletes every event up to an id: parameter id. */
  deleteThrough: string
  /** The per-database epoch. */
  epoch: string
  /** The highest id ever given to an event (column `head`; no row before the first): `AUTOINCREMENT` never goes back. */
  sequenceHead: string
  /** The distinct topics of the events with ids in (after, through]: parameters after, through, limit. */
  topicsBetween: string
  /** The read connection's view of change: `data_version` (others' commits) and `total_changes()` (its own). */
  dataVersion: string
  /** The main database's file as SQLite resolved it (column `file`; `''` in memory). */
  databaseFile: string
}

const repeat = (count: number, text: string, separator: string): string =>
  Array.from({ length: count }, () => text).join(separator)

/** Builds the statements for the given tables. */
export function sqliteSql(tables: SqliteTables): SqliteSql {
  const { events, meta, pruned } = tables
  const readOne = `SELECT id, topic, type, data, created_at, trace_context FROM ${events} WHERE topic = ? AND id > ? ORDER BY id LIMIT ?`
  return {
    tables,
    insert: (rows, returning) =>
      `INSERT INTO ${events} (topic, type, data, created_at, trace_context) VALUES ${repeat(rows, '(?, ?, ?, ?, ?)', ', ')}` +
      (returning ? ' RETURNING id' : ''),
    readAfter: readOne,
    readAfterMany: (topics) => repeat(topics, `SELECT * FROM (${readOne})`, ' UNION ALL '),
    head:
      `SELECT (SELECT max(id) FROM ${events} WHERE topic = ?) AS head, ` +
      `(SELECT through FROM ${pruned} WHERE topic = ?) AS through`,
    headsMany: (topics) =>
      `WITH t(topic) AS (VALUES ${repeat(topics, '(?)', ', ')}) SELECT t.topic AS topic, ` +
      `(SELECT max(e.id) FROM ${events} e WHERE e.topic = t.topic) AS head, ` +
      `(SELECT p.through FROM ${pruned} p WHERE p.topic = t.topic) AS through FROM t`,
    oldest: `SELECT id, topic, created_at FROM ${events} ORDER BY id LIMIT ?`,
    markPruned: (topics) =>
      `INSERT INTO ${pruned} (topic, through) VALUES ${repeat(topics, '(?, ?)', ', ')} ` +
      'ON CONFLICT (topic) DO UPDATE SET through = max(through, excluded.through)',
    deleteThrough: `DELETE FROM ${events} WHERE id <= ?`,
    epoch: `SELECT value FROM ${meta} WHERE key = 'epoch'`,
    sequenceHead: `SELECT seq AS head FROM sqlite_sequence WHERE name = ${tables.eventsName}`,
    // NOT INDEXED: always the rowid range, O(new events). After `ANALYZE`, the planner may pick a
    // skip-scan of the (topic, id) index instead, whose cost grows with the number of topics.
    topicsBetween: `SELECT DISTINCT topic FROM ${events} NOT INDEXED WHERE id > ? AND id <= ? LIMIT ?`,
    dataVersion: 'SELECT (SELECT data_version FROM pragma_data_version()) AS version, total_changes() AS changes',
    databaseFile: "SELECT file FROM pragma_database_list WHERE name = 'main'",
  }
}

/** Splits `items` into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size))
  return result
}
