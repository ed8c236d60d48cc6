/**
 * Every SQL statement of the Postgres adapter, built once per store from its schema, table prefix
 * and channel. Statements take `$n` parameters; int8 values leave the database as text (`::text`)
 * and are converted with `Number()`, so a caller's `pg` type parsers never change what we read and
 * nothing is ever compared or sorted as text.
 * @module
 */
import type { PostgresStoreConfig } from './postgres-store-config.js'
import { CURRENT_TIMELINE } from './timeline.js'

/** Quotes a Postgres identifier. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** Quotes a string literal. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** The qualified, quoted names of the adapter's tables. */
export interface PostgresTables {
  /** One row per topic: `head`, the last position handed out (row-locked by publishers until commit). */
  streams: string
  /** The events, keyed by `(topic, seq)`. */
  events: string
  /** One row per pruned topic: `through`, the highest position retention deleted. */
  pruned: string
  /** One row: the database's epoch and the timeline its ids began on. */
  meta: string
  /** The index of `events` on `created_at`, unqualified (indexes live in their table's schema). */
  eventsCreatedAtIndex: string
}

/** The adapter's statements, as `$n`-parameterised SQL text. */
export interface PostgresStatements {
  /** The table names. */
  tables: PostgresTables
  /** Idempotent DDL of the first migration (run in order); then {@link insertEpoch}. */
  createTables: string[]
  /** `$1` epoch: records the database's epoch unless it has one. */
  insertEpoch: string
  /** The second migration: the nullable `trace_context` column (the publisher's W3C traceparent). */
  addTraceContext: string
  /** The third migration, in order: the meta table's `timeline` column, then the server's timeline recorded in it (once). */
  recordTimeline: string[]
  /** Reads the meta row: `epoch`, the recorded `timeline`, and the server's `current_timeline` (on the primary only). */
  selectEpoch: string
  /** Reads the database's random epoch alone (`epoch`): runs on a standby too (a replica's identity check). */
  databaseEpoch: string
  /**
   * `$1` topics, `$2` types, `$3` data, `$4` trace contexts (one element per event, null for none):
   * appends; one row per topic (`topic`, `head`, `created_at`, `timeline`).
   */
  append: string
  /**
   * `$1` topics, `$2` positions after which to read, `$3` limit per topic: rows `timeline`,
   * `topic`, `seq`, `type`, `data`, `created_at`, `trace_context`; one row with only `timeline`
   * (the rest null) when there is nothing to read.
   */
  readAfter: string
  /**
   * `$1` topic, `$2` position after which to read, `$3` limit: the same rows for one topic (what
   * most wake-ups ask), planned far more cheaply; `timeline` only in the row right after `$2`, so
   * none when there is nothing to read (ask {@link timeline}) or retention pruned past `$2` (read
   * with {@link readAfterOneOnTimeline}).
   */
  readAfterOne: string
  /** `readAfterOne` with the timeline in every row, and one row with only the timeline when there is nothing to read. */
  readAfterOneOnTimeline: string
  /** `readAfter` on a replica (where the timeline cannot be read: the fence brings the primary's): no `timeline` column, no row when there is nothing to read. */
  replicaReadAfter: string
  /** `readAfterOne` on a replica, likewise. */
  replicaReadAfterOne: string
  /** `heads` on a replica: rows `topic`, `head` of the topics that have events (the fence brings the timeline). */
  replicaHeads: string
  /** `resumeState` on a replica: one row, `head` and `pruned_through` (the fence brings the timeline). */
  replicaResumeState: string
  /** `$1` topics: rows `timeline`, `topic`, `head` of the topics that have events; one row with a null `topic` when none has. */
  heads: string
  /** One row, `timeline`: the server's (after a one-topic read that found nothing). */
  timeline: string
  /** `$1` topic: one row, `head` and `pruned_through` (null when unknown), and `timeline`. */
  resumeState: string
  /** `$1` payload: a notification on the channel (the LISTEN connection's probe). */
  notify: string
  /** `$1` cutoff, `$2` batch size: deletes one batch and records how far each topic was pruned; one row, `deleted`. */
  deleteBatch: string
  /** On the primary: one row, `lsn` (how far its WAL is written: the read fence of a replica read, without table access) and `timeline`. */
  fence: string
  /** On a replica: one row, `lsn`, how far it has replayed the primary's WAL (null when it is not a standby). */
  replayed: string
  /** On a replica: one row, `timeline`, that of its last restartpoint (`replica-timeline.ts`). */
  replicaTimeline: string
}

/** `created_at` as ISO 8601 with milliseconds, the format of `Date.prototype.toISOString()`. */
const isoText = (expression: string): string => `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** `now()` cut to milliseconds, so the stored time is exactly the one reported as `createdAt`. */
const APPEND_TIME = `date_trunc('milliseconds', now())`

/** `read` (a statement's rows, ordered) after the primary's timeline: one row with only `timeline` when `read` finds nothing. */
const onTimeline = (read: string): string => `SELECT t.timeline, r.* FROM (SELECT ${CURRENT_TIMELINE} AS timeline) t
      LEFT JOIN LATERAL (${read}) r ON true`

/** The timeline once per statement (an uncorrelated subquery runs once, not once per row). */
const TIMELINE = `(SELECT ${CURRENT_TIMELINE})`

/**
 * A transaction that carries events commits durably. With `synchronous_commit = off` its commit
 * is visible (and its NOTIFY, bus message or relay record delivered) before its record is flushed:
 * a crash could lose events browsers saw and hand their positions out again on the same timeline
 * (a skip), and a replica read's fence (the write position) would not cover it. `local` is the
 * least change: settings that wait for standbys stay as they are. Evaluated once per statement.
 */
const DURABLE_COMMIT = `(SELECT CASE WHEN current_setting('synchronous_commit') = 'off' THEN set_config('synchronous_commit', 'local', true) END)`

/** NOTIFY payloads must stay under 8000 bytes; a longer topic wakes listeners without a topic. */
const NOTIFY_PAYLOAD = `CASE WHEN octet_length(h.topic) < 8000 THEN h.topic ELSE '' END`

/** Builds the statements of one store. */
export function postgresSql(
  config: Pick<PostgresStoreConfig, 'schema' | 'tablePrefix' | 'channel' | 'notify'>,
): PostgresStatements {
  const schema = quoteIdentifier(config.schema)
  const name = (table: string): string => `${schema}.${quoteIdentifier(config.tablePrefix + table)}`
  const tables: PostgresTables = {
    streams: name('streams'),
    events: name('events'),
    pruned: name('pruned'),
    meta: name('meta'),
    eventsCreatedAtIndex: quoteIdentifier(`${config.tablePrefix}events_created_at`),
  }
  const { streams, events, pruned, meta } = tables
  const channel = literal(config.channel)

  // Joining `streams` first skips every topic whose head is not past its cursor with one index
  // lookup, so a poll that finds nothing new never touches `events`.
  const readAfterRows = `SELECT c.topic, e.seq::text AS seq, e.type, e.data, ${isoText('e.created_at')} AS created_at, e.trace_context
      FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS c(topic, after, ord)
      JOIN ${streams} s ON s.topic = c.topic AND s.head > c.after
      CROSS JOIN LATERAL (
        SELECT x.seq, x.type, x.data, x.created_at, x.trace_context FROM ${events} x
        WHERE x.topic = c.topic AND x.seq > c.after
        ORDER BY x.seq LIMIT $3
      ) e
      ORDER BY c.ord, e.seq`
  // `ORDER BY x.seq`, the column: a bare `seq` would name the ::text output and sort "10" before "9".
  const readAfterOneRows = `SELECT x.topic, x.seq::text AS seq, x.type, x.data, ${isoText('x.created_at')} AS created_at, x.trace_context
      FROM ${events} x WHERE x.topic = $1 AND x.seq > $2 ORDER BY x.seq LIMIT $3`

  /** The heads of the topics that have events (`$1` topics). */
  const headsRows = `SELECT topic, head::text AS head FROM ${streams} WHERE topic = ANY($1::text[])`

  /** A topic's head and how far retention pruned it (`$1` topic). */
  const resumeStateRows = `SELECT (SELECT head::text FROM ${streams} WHERE topic = $1) AS head,
                         (SELECT through::text FROM ${pruned} WHERE topic = $1) AS pruned_through`

  return {
    tables,
    createTables: [
      // fillfactor leaves room on each page so the hot `head` updates stay HOT (no index writes).
      `CREATE TABLE IF NOT EXISTS ${streams} (topic text COLLATE "C" PRIMARY KEY, head bigint NOT NULL) WITH (fillfactor = 70)`,
      `CREATE TABLE IF NOT EXISTS ${events} (
        topic text COLLATE "C" NOT NULL,
        seq bigint NOT NULL,
        type text NOT NULL,
        data text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT ${APPEND_TIME},
        PRIMARY KEY (topic, seq))`,
      `CREATE INDEX IF NOT EXISTS ${tables.eventsCreatedAtIndex} ON ${events} (created_at)`,
      `CREATE TABLE IF NOT EXISTS ${pruned} (topic text COLLATE "C" PRIMARY KEY, through bigint NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${meta} (id integer PRIMARY KEY CHECK (id = 1), epoch text NOT NULL)`,
    ],
    insertEpoch: `INSERT INTO ${meta} (id, epoch) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`,
    addTraceContext: `ALTER TABLE ${events} ADD COLUMN IF NOT EXISTS trace_context text`,
    // Recorded once: an existing database keeps its ids on the timeline it is on at the upgrade.
    recordTimeline: [
      `ALTER TABLE ${meta} ADD COLUMN IF NOT EXISTS timeline integer`,
      `UPDATE ${meta} SET timeline = ${CURRENT_TIMELINE} WHERE timeline IS NULL`,
    ],
    selectEpoch: `SELECT epoch, timeline, ${CURRENT_TIMELINE} AS current_timeline FROM ${meta} WHERE id = 1`,
    databaseEpoch: `SELECT epoch FROM ${meta} WHERE id = 1`,

    // One statement, so outside a caller's transaction it is one round trip and one implicit
    // transaction. The ordering rule (DESIGN invariant 2, adapters/postgres/README.md): `heads`
    // bumps each topic's head by its event count, locking the topics' rows in one fixed order
    // (sorted, so two publishers never deadlock) until commit; the next publisher of a topic
    // draws its positions only once this transaction's events are visible.
    append: `WITH input AS (
        SELECT i.topic, i.type, i.data, i.trace_context, i.ord
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS i(topic, type, data, trace_context, ord)
      ), counts AS (
        SELECT topic, count(*) AS n FROM input GROUP BY topic
      ), heads AS (
        INSERT INTO ${streams} AS s (topic, head)
        SELECT topic, n FROM counts ORDER BY topic COLLATE "C"
        ON CONFLICT (topic) DO UPDATE SET head = s.head + excluded.head
        RETURNING s.topic, s.head
      ), inserted AS (
        INSERT INTO ${events} (topic, seq, type, data, created_at, trace_context)
        SELECT i.topic, h.head - c.n + row_number() OVER (PARTITION BY i.topic ORDER BY i.ord),
               i.type, i.data, ${APPEND_TIME}, i.trace_context
        FROM input i JOIN counts c ON c.topic = i.topic JOIN heads h ON h.topic = i.topic
      )
      SELECT h.topic, h.head::text AS head, ${isoText(APPEND_TIME)} AS created_at, ${TIMELINE} AS timeline,
             ${DURABLE_COMMIT} AS durable${config.notify ? `, pg_notify(${channel}, ${NOTIFY_PAYLOAD}) AS notified` : ''}
      FROM heads h`,

    // On the primary, the reads hang off the one-row timeline (`ON true`), so even a read that
    // finds nothing says which timeline it ran on; a join on `true` leaves the planner one method,
    // a nested loop over that one row, which hands on the ordered read's rows in its order (an
    // outer ORDER BY would sort them again: 20 us of server CPU per 100-row page).
    readAfter: onTimeline(readAfterRows),
    readAfterOneOnTimeline: onTimeline(readAfterOneRows),
    // The join costs a one-topic read about 24 us of planning (30 -> 54 us of server CPU for one
    // row): the hot read names the timeline in its first row instead (+8 us), the row right after
    // the cursor, which a read finds unless there is nothing new (then nothing is labelled, and
    // the store asks for the timeline alone) or retention pruned past it (then it reads again).
    readAfterOne: `SELECT x.topic, x.seq::text AS seq, x.type, x.data, ${isoText('x.created_at')} AS created_at, x.trace_context,
        CASE WHEN x.seq = $2 + 1 THEN ${CURRENT_TIMELINE} END AS timeline
      FROM ${events} x WHERE x.topic = $1 AND x.seq > $2 ORDER BY x.seq LIMIT $3`,
    replicaReadAfter: readAfterRows,
    replicaReadAfterOne: readAfterOneRows,

    heads: onTimeline(headsRows),
    replicaHeads: headsRows,

    timeline: `SELECT ${CURRENT_TIMELINE} AS timeline`,

    notify: `SELECT pg_notify(${channel}, $1) AS notified`,

    resumeState: `${resumeStateRows}, ${CURRENT_TIMELINE} AS timeline`,
    replicaResumeState: resumeStateRows,

    // `pruned` is its own table, not a column of `streams`, so retention never waits for (nor
    // blocks) a publisher holding a topic's head row. One statement: the deletion and the record
    // of it become visible together. A transaction-level advisory try-lock keeps retention to one
    // process at a time (the others delete nothing and stop); SKIP LOCKED never waits on a row.
    deleteBatch: `WITH lock AS (
        SELECT pg_try_advisory_xact_lock(hashtext(${literal(`durable-sse retention ${events}`)})) AS held
      ), doomed AS (
        DELETE FROM ${events}
        WHERE (SELECT held FROM lock) AND (topic, seq) IN (
          SELECT topic, seq FROM ${events} WHERE created_at < $1::timestamptz LIMIT $2 FOR UPDATE SKIP LOCKED)
        RETURNING topic, seq
      ), through AS (
        SELECT topic, max(seq) AS seq, count(*) AS n FROM doomed GROUP BY topic
      ), recorded AS (
        INSERT INTO ${pruned} AS p (topic, through)
        SELECT topic, seq FROM through ORDER BY topic
        ON CONFLICT (topic) DO UPDATE SET through = greatest(p.through, excluded.through)
      )
      SELECT coalesce(sum(n), 0)::text AS deleted FROM through`,

    // The write position: every commit with events is visible only once its record is flushed
    // (the append makes synchronous_commit at least `local`), so a replica that replayed this far
    // holds every such commit visible now. (The insert position would also count the records of
    // transactions still open, which reach a replica only at the next flush: p50 8 ms of waiting
    // instead of 1-1.6 ms in the same test.)
    fence: `SELECT pg_current_wal_lsn()::text AS lsn, ${CURRENT_TIMELINE} AS timeline`,
    replayed: 'SELECT pg_last_wal_replay_lsn()::text AS lsn',
    replicaTimeline: 'SELECT timeline_id AS timeline FROM pg_control_checkpoint()',
  }
}

/** The statements the store runs once migrated (the ones a statement deadline recognises on a caller's pool). */
export function runtimeStatements(statements: PostgresStatements): Set<string> {
  const { append, readAfter, readAfterOne, readAfterOneOnTimeline, replicaReadAfter, replicaReadAfterOne } = statements
  const { heads, timeline, resumeState, notify, deleteBatch, selectEpoch, databaseEpoch, fence, replayed, replicaTimeline } =
    statements
  const { replicaHeads, replicaResumeState } = statements
  return new Set([
    append,
    readAfter,
    readAfterOne,
    readAfterOneOnTimeline,
    replicaReadAfter,
    replicaReadAfterOne,
    heads,
    replicaHeads,
    timeline,
    resumeState,
    replicaResumeState,
    notify,
    deleteBatch,
    selectEpoch,
    databaseEpoch,
    fence,
    replayed,
    replicaTimeline,
  ])
}

/** The statements worth naming (prepared once per connection): the ones every publish, poll, page and resume runs (and a replica read's fence and replay check), never inside a transaction. */
export function hotStatements(statements: PostgresStatements): string[] {
  const { append, readAfter, readAfterOne, timeline, replicaReadAfter, replicaReadAfterOne, resumeState, fence, replayed } =
    statements
  const { replicaResumeState } = statements
  return [
    append,
    readAfter,
    readAfterOne,
    timeline,
    replicaReadAfter,
    replicaReadAfterOne,
    resumeState,
    replicaResumeState,
    fence,
    replayed,
  ]
}
