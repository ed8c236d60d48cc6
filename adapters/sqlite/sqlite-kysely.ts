/**
 * Running the store's SQL through a Kysely instance: raw compiled statements on a plugin-free
 * view of it, so a caller's `CamelCasePlugin` (or any other plugin) never rewrites our SQL or rows.
 * @module
 */
import { CompiledQuery, Kysely, SqliteDialect, type SqliteDialectConfig } from 'kysely'
import type { EventDraft } from '../../src/event.js'
import type { SqlExecutor } from '../kit/caller-transaction.js'
import { chunks, type HeadRow, MAX_INSERT_ROWS, MAX_TOPICS_PER_READ, type SqliteSql } from './sqlite-sql.js'
import type { SqliteDatabase } from './sqlite-store-config.js'

/** A Kysely of any schema: the store only runs its own SQL on it. */
export type AnyKysely = Kysely<any>

/** A Kysely over one better-sqlite3 connection (`destroy()` closes the connection). */
export function kyselyOver(database: SqliteDatabase): AnyKysely {
  return new Kysely<any>({ dialect: new SqliteDialect({ database: database as unknown as SqliteDialectConfig['database'] }) })
}

/** Runs one statement and returns its rows. */
export type RunSql = <Row>(sql: string, parameters?: readonly unknown[]) => Promise<Row[]>

/** The head and pruned-through rows of `topics`, read with `run` in statements of at most {@link MAX_TOPICS_PER_READ} topics. */
export async function headRows(run: RunSql, sql: SqliteSql, topics: readonly string[]): Promise<Map<string, HeadRow>> {
  const result = new Map<string, HeadRow>()
  for (const chunk of chunks(topics, MAX_TOPICS_PER_READ)) {
    for (const row of await run<HeadRow>(sql.headsMany(chunk.length), chunk)) result.set(row.topic as string, row)
  }
  return result
}

/** Runs one statement on `db` (which must be plugin-free) and returns its rows. */
export async function runSql<Row>(db: SqlExecutor, sql: string, parameters: readonly unknown[] = []): Promise<Row[]> {
  const result = await db.executeQuery(CompiledQuery.raw(sql, [...parameters]))
  return result.rows as Row[]
}

/** One multi-row insert of an append: its SQL, parameters and number of rows. */
export interface InsertStatement {
  /** `INSERT ... RETURNING id`. */
  sql: string
  /** The rows' values, flat. */
  parameters: unknown[]
  /** How many rows it inserts. */
  count: number
}

/** The multi-row inserts (at most {@link MAX_INSERT_ROWS} rows each) that append `drafts`. */
export function insertStatements(sql: SqliteSql, drafts: readonly EventDraft[], createdAt: string): InsertStatement[] {
  return chunks(drafts, MAX_INSERT_ROWS).map((chunk) => ({
    sql: sql.insert(chunk.length, true),
    parameters: chunk.flatMap((draft) => [draft.topic, draft.type, draft.data, createdAt, draft.traceContext ?? null]),
    count: chunk.length,
  }))
}

/** The ids an insert of `count` rows returned, in VALUES order. */
export function insertedIds(rows: ReadonlyArray<{ id: number | bigint }>, count: number): number[] {
  if (rows.length !== count) throw new Error(`durable-sse/sqlite: inserted ${rows.length} of ${count} events`)
  // RETURNING promises no order; the rows of one INSERT get ascending ids in VALUES order.
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b)
}

/**
 * Inserts drafts through `db` (a connection in a transaction) with multi-row inserts; returns
 * their ids in the given order.
 */
export async function insertThroughKysely(
  db: SqlExecutor,
  sql: SqliteSql,
  drafts: readonly EventDraft[],
  createdAt: string,
): Promise<number[]> {
  const ids: number[] = []
  for (const insert of insertStatements(sql, drafts, createdAt)) {
    ids.push(...insertedIds(await runSql<{ id: number | bigint }>(db, insert.sql, insert.parameters), insert.count))
  }
  return ids
}
