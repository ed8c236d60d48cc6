/**
 * The parts the SQL stores on Kysely (Postgres, MySQL) share around their own statements: raw SQL
 * through a Kysely, the epoch read once, `epoch.seq` heads and cursors, records grouped by topic,
 * and a snapshot's read-only transaction.
 * @module
 */
import { CompiledQuery, type Kysely } from 'kysely'
import { InvalidEventIdError, StoreNotMigratedError } from '../../src/errors.js'
import type { EventRecord } from '../../src/event.js'
import { formatEventId, parseEventId } from '../../src/event-id.js'
import type { StoreSnapshot, TopicCursor } from '../../src/store.js'
import type { SqlExecutor } from './caller-transaction.js'
import { EpochCache } from './epoch-cache.js'

/** Runs `text` with `parameters` through `executor`, unchanged, and returns the rows. */
export async function rowsOf<Row>(executor: SqlExecutor, text: string, parameters: readonly unknown[] = []): Promise<Row[]> {
  return (await executor.executeQuery(CompiledQuery.raw(text, [...parameters]))).rows as Row[]
}

/** The epoch of `adapter`'s database, read with `selectEpoch` (one row, `epoch`) from `table` once. */
export function epochReader(db: Kysely<any>, selectEpoch: string, adapter: string, table: string): EpochCache {
  return new EpochCache(async () => {
    const [row] = await rowsOf<{ epoch: string }>(db, selectEpoch)
    if (row === undefined) throw new StoreNotMigratedError(`${adapter}: ${table} is empty; run store.migrate()`)
    return row.epoch
  })
}

/** Each of `topics`' head id from the `found` heads (a topic not found is at its start id). */
export function headIds(
  epoch: string,
  topics: readonly string[],
  found: ReadonlyArray<{ topic: string; head: number | string }>,
): Map<string, string> {
  const head = new Map(found.map((row) => [row.topic, row.head]))
  return new Map(topics.map((topic) => [topic, formatEventId(epoch, head.get(topic) ?? 0)]))
}

/** The position after which to read each topic (its first cursor wins); an `InvalidEventIdError` naming `adapter` for an id not of `epoch.seq` form. */
export function positionsAfter(cursors: readonly TopicCursor[], adapter: string): Map<string, number> {
  const after = new Map<string, number>()
  for (const cursor of cursors) {
    const parsed = parseEventId(cursor.after)
    if (parsed === undefined) throw new InvalidEventIdError(`not a ${adapter} event id: ${JSON.stringify(cursor.after)}`)
    if (!after.has(cursor.topic)) after.set(cursor.topic, parsed.seq)
  }
  return after
}

/** A row of the events table as the SQL stores read it (their position and time differ by dialect). */
export interface EventRow {
  /** The topic. */
  topic: string
  /** The event type. */
  type: string
  /** The payload's JSON text. */
  data: string
  /** The publisher's trace context, or `null`. */
  trace_context: string | null
}

/**
 * Adds the record of `row`, with its `id` and ISO `createdAt`, to its topic's list in `result`
 * (rows arrive in each topic's order).
 */
export function addRow(result: Map<string, EventRecord[]>, row: EventRow, id: string, createdAt: string): void {
  const record: EventRecord = { topic: row.topic, type: row.type, data: row.data, id, createdAt }
  if (row.trace_context !== null) record.traceContext = row.trace_context
  const records = result.get(record.topic)
  if (records === undefined) result.set(record.topic, [record])
  else records.push(record)
}

/** `date`, or a `TypeError` unless it is a valid `Date` (the argument of `deleteBefore`). */
export function validCutoff(date: unknown): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError('deleteBefore needs a valid Date')
  return date
}

/**
 * Runs `read` on `app` in a `REPEATABLE READ`, read-only transaction whose snapshot is taken by
 * its first statement, the read of `heads` (on the transaction without the app's plugins).
 */
export function readOnlySnapshot<State>(
  app: Kysely<any>,
  heads: (transaction: Kysely<any>) => Promise<Map<string, string>>,
  read: (transaction: unknown) => Promise<State>,
): Promise<StoreSnapshot<State>> {
  return app
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const found = await heads(trx.withoutPlugins())
      return { state: await read(trx), heads: found }
    })
}
