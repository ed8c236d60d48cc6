/**
 * Running the store's SQL through a Kysely instance: raw compiled statements on a plugin-free
 * view of it, so a caller's `CamelCasePlugin` (or any other plugin) never rewrites our SQL or rows.
 * @module
 */
import { CompiledQuery, type Kysely } from 'kysely'
import type { EventDraft } from '../../src/event.js'
import { MAX_INSERT_ROWS, type SqliteSql } from './sqlite-sql.js'

/** A Kysely of any schema: the store only runs its own SQL on it. */
export type AnyKysely = Kysely<any>

/** Runs one statement on `db` (which must be plugin-free) and returns its rows. */
export async function runSql<Row>(db: AnyKysely, sql: string, parameters: readonly unknown[] = []): Promise<Row[]> {
  const result = await db.executeQuery(CompiledQuery.raw(sql, [...parameters]))
  return result.rows as Row[]
}

/**
 * Inserts drafts through `db` (a connection in a transaction) with multi-row inserts; returns
 * their ids in the given order.
 */
export async function insertThroughKysely(
  db: AnyKysely,
  sql: SqliteSql,
  drafts: readonly EventDraft[],
  createdAt: string,
): Promise<number[]> {
  const ids: number[] = []
  for (let start = 0; start < drafts.length; start += MAX_INSERT_ROWS) {
    const chunk = drafts.slice(start, start + MAX_INSERT_ROWS)
    const parameters = chunk.flatMap((draft) => [draft.topic, draft.type, draft.data, createdAt])
    const rows = await runSql<{ id: number | bigint }>(db, sql.insert(chunk.length, true), parameters)
    if (rows.length !== chunk.length) {
      throw new Error(`durable-sse/sqlite: inserted ${rows.length} of ${chunk.length} events`)
    }
    // RETURNING promises no order; the rows of one INSERT get ascending ids in VALUES order.
    ids.push(...rows.map((row) => Number(row.id)).sort((a, b) => a - b))
  }
  return ids
}
