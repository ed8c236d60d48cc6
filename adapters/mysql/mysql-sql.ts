/**
 * Every SQL statement of the MySQL adapter, built once per store from its table prefix. Statements
 * take `?` parameters (`mysql2` expands an array parameter into a list). Topics are `VARBINARY`, so
 * they compare byte for byte (a `utf8mb4_bin` column would still ignore trailing spaces) and leave
 * the database through `CONVERT(... USING utf8mb4)`; numbers pass through `Number()`, so a pool
 * set to return big numbers as strings changes nothing.
 * @module
 */
import type { MysqlStoreConfig } from './mysql-store-config.js'

/** The quoted names of the adapter's tables. */
export interface MysqlTables {
  /** One row per topic: `head`, the last position handed out (row-locked by publishers until commit). */
  heads: string
  /** The events, keyed by `(topic, seq)`, with `gid`, an `AUTO_INCREMENT` change cursor (not in commit order). */
  events: string
  /** One row per pruned topic: `through`, the highest position retention deleted. */
  pruned: string
  /** One row: the database's epoch. */
  meta: string
}

/** The adapter's statements, as `?`-parameterised SQL text. */
export interface MysqlStatements {
  /** The table names. */
  tables: MysqlTables
  /** Idempotent DDL of the first migration (run in order); then {@link insertEpoch}. */
  createTables: string[]
  /** `?` epoch: records the database's epoch unless it has one. */
  insertEpoch: string
  /** The second migration: the nullable `trace_context` column (the publisher's W3C traceparent). */
  addTraceContext: string
  /** Reads the epoch. */
  selectEpoch: string
  /** `(?)` per topic: creates the head rows of new topics (head 0), in autocommit, before the append's transaction. */
  ensureHeads(topics: number): string
  /** `?, ?` per topic (topic, count), then `?` the topics: takes each topic's head row lock and moves its head. */
  bumpHeads(topics: number): string
  /** `?` topics: rows `topic`, `head` (locking reads: the latest heads, already ours) and `now`, the database's clock. */
  lockedHeads: string
  /** `(?, ?, ?, ?, ?, ?)` per event (topic, seq, type, data, created_at, trace_context): inserts the events. */
  insertEvents(events: number): string
  /** `?, ?, ?` per topic (topic, position after which to read, limit): rows `topic`, `seq`, `type`, `data`, `created_at`, `trace_context`. */
  readAfter(topics: number): string
  /** `?` topics: rows `topic`, `head` of the topics that have events. */
  heads: string
  /** `?` topic twice: one row, `head` and `pruned_through` (null when unknown). */
  resumeState: string
  /** `?` cutoff, `?` batch size: rows `gid`, `topic`, `seq` of old events, locked (rows another process holds are skipped). */
  selectDoomed: string
  /** `?` gids: deletes those events. */
  deleteEvents: string
  /** `(?, ?)` per topic (topic, through): records how far each topic was pruned. */
  recordPruned(topics: number): string
  /** The highest `gid`, and the `gid`s of the newest events (the first change token's window). */
  latestGids: string
  /** `?` after, `?` limit: rows `gid`, `topic` of the events with a `gid` above `after`, in `gid` order. */
  changesAfter: string
  /** The same, plus `?` gids: the rows of those gids (the gaps a token is waiting for). */
  changesAfterAndGaps: string
  /** `?` gid: its row, with a lock taken without waiting (an error when its inserter has not committed yet). */
  probeGap: string
}

/** A `DATETIME(3)` column or expression as `YYYY-MM-DDTHH:MM:SS.ffffff` (the caller cuts it to milliseconds). */
const isoText = (expression: string): string => `DATE_FORMAT(${expression}, '%Y-%m-%dT%H:%i:%s.%f')`

/** A `VARBINARY` topic as text. */
const topicText = (column: string): string => `CONVERT(${column} USING utf8mb4)`

/** Table options of every table: InnoDB (row locks, transactions) in utf8mb4. */
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin'

/** Longest topic in bytes (512 characters of 4 bytes); the primary key `(topic, seq)` stays under InnoDB's 3072-byte limit. */
export const MAX_TOPIC_BYTES = 2_048

/** `count` copies of `group`, comma-separated. */
const repeat = (group: string, count: number): string => Array.from({ length: count }, () => group).join(', ')

/** Builds the statements of one store. */
export function mysqlSql(config: Pick<MysqlStoreConfig, 'tablePrefix'>): MysqlStatements {
  const name = (table: string): string => `\`${config.tablePrefix}${table}\``
  const tables: MysqlTables = { heads: name('heads'), events: name('events'), pruned: name('pruned'), meta: name('meta') }
  const { heads, events, pruned, meta } = tables
  const eventColumns = `${topicText('topic')} AS topic, seq, type, data, ${isoText('created_at')} AS created_at, trace_context`

  return {
    tables,
    createTables: [
      `CREATE TABLE IF NOT EXISTS ${heads} (
        topic VARBINARY(${MAX_TOPIC_BYTES}) NOT NULL PRIMARY KEY,
        head BIGINT NOT NULL) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS ${events} (
        topic VARBINARY(${MAX_TOPIC_BYTES}) NOT NULL,
        seq BIGINT NOT NULL,
        type TEXT NOT NULL,
        data LONGTEXT NOT NULL,
        created_at DATETIME(3) NOT NULL,
        gid BIGINT NOT NULL AUTO_INCREMENT,
        PRIMARY KEY (topic, seq),
        UNIQUE KEY ${name('events_gid')} (gid),
        KEY ${name('events_created_at')} (created_at)) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS ${pruned} (
        topic VARBINARY(${MAX_TOPIC_BYTES}) NOT NULL PRIMARY KEY,
        through BIGINT NOT NULL) ${TABLE_OPTIONS}`,
      `CREATE TABLE IF NOT EXISTS ${meta} (id INT NOT NULL PRIMARY KEY, epoch VARCHAR(16) NOT NULL) ${TABLE_OPTIONS}`,
    ],
    insertEpoch: `INSERT IGNORE INTO ${meta} (id, epoch) VALUES (1, ?)`,
    addTraceContext: `ALTER TABLE ${events} ADD COLUMN trace_context TEXT NULL`,
    selectEpoch: `SELECT epoch FROM ${meta} WHERE id = 1`,

    // Head rows are created apart, in autocommit: an insert into `heads` inside the publishing
    // transaction would take gap locks that deadlock with other publishers' new topics.
    ensureHeads: (count) => `INSERT IGNORE INTO ${heads} (topic, head) VALUES ${repeat('(?, 0)', count)}`,
    // The ordering rule (DESIGN invariant 2, adapters/mysql/README.md): the update takes each
    // topic's head row lock (record locks only: equality on the primary key), in index order, so
    // two publishers never deadlock on heads, and holds it until commit; the next publisher of a
    // topic draws its positions only once this transaction's events are visible.
    bumpHeads: (count) =>
      `UPDATE ${heads} SET head = head + CASE topic ${repeat('WHEN ? THEN ?', count).replaceAll(',', '')} END
       WHERE topic IN (?)`,
    lockedHeads: `SELECT ${topicText('topic')} AS topic, head, ${isoText('UTC_TIMESTAMP(3)')} AS now
      FROM ${heads} WHERE topic IN (?) FOR UPDATE`,
    insertEvents: (count) =>
      `INSERT INTO ${events} (topic, seq, type, data, created_at, trace_context) VALUES ${repeat('(?, ?, ?, ?, ?, ?)', count)}`,

    // One index range per topic, in one statement: a topic with nothing new costs one lookup.
    readAfter: (count) =>
      Array.from(
        { length: count },
        () => `(SELECT ${eventColumns} FROM ${events} WHERE topic = ? AND seq > ? ORDER BY seq LIMIT ?)`,
      ).join(' UNION ALL '),
    heads: `SELECT ${topicText('topic')} AS topic, head FROM ${heads} WHERE topic IN (?)`,
    resumeState: `SELECT (SELECT head FROM ${heads} WHERE topic = ?) AS head,
                         (SELECT through FROM ${pruned} WHERE topic = ?) AS pruned_through`,

    // `pruned` is its own table, so retention never waits for (nor blocks) a publisher holding a
    // topic's head row; SKIP LOCKED lets several processes prune at once without waiting.
    selectDoomed: `SELECT gid, ${topicText('topic')} AS topic, seq FROM ${events}
      WHERE created_at < ? ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED`,
    deleteEvents: `DELETE FROM ${events} WHERE gid IN (?)`,
    recordPruned: (count) =>
      `INSERT INTO ${pruned} (topic, through) VALUES ${repeat('(?, ?)', count)}
       ON DUPLICATE KEY UPDATE through = GREATEST(through, VALUES(through))`,

    latestGids: `SELECT gid FROM ${events} ORDER BY gid DESC LIMIT 1000`,
    changesAfter: `SELECT gid, ${topicText('topic')} AS topic FROM ${events} WHERE gid > ? ORDER BY gid LIMIT ?`,
    changesAfterAndGaps: `(SELECT gid, ${topicText('topic')} AS topic FROM ${events} WHERE gid > ? ORDER BY gid LIMIT ?)
      UNION ALL (SELECT gid, ${topicText('topic')} AS topic FROM ${events} WHERE gid IN (?))`,
    probeGap: `SELECT gid, ${topicText('topic')} AS topic FROM ${events} WHERE gid = ? FOR UPDATE NOWAIT`,
  }
}
