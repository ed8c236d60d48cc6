/**
 * Publishing inside the caller's transaction (a Kysely `Transaction`, a Drizzle better-sqlite3
 * transaction, a better-sqlite3 `Database` inside a transaction: `caller-transaction.ts`): the
 * events are inserted on the caller's connection and become visible only if and when it commits.
 * No nested transaction is started. better-sqlite3's transactions are synchronous functions, so
 * there is a synchronous form too (`appendSync`, `broker.publishSync`).
 * @module
 */
import type { EventDraft } from '../../src/event.js'
import { callerTransaction, runSqlite, type SqlExecutor, syncSqliteTransaction } from '../kit/caller-transaction.js'
import { insertedIds, insertStatements, insertThroughKysely, runSql } from './sqlite-kysely.js'
import { epochMissing } from './sqlite-migrations.js'
import type { SqliteSql } from './sqlite-sql.js'

/** An executor in the caller's open transaction, or a `TypeError` saying what is accepted. */
const transactionOf = (value: unknown): SqlExecutor => callerTransaction(value, 'sqlite', 'sqliteStore')

/**
 * Inserts drafts through the caller's transaction (plugin-free, so its CamelCasePlugin cannot
 * rewrite our SQL); returns their ids in the given order.
 */
export function appendInTransaction(
  transaction: unknown,
  sql: SqliteSql,
  drafts: readonly EventDraft[],
  createdAt: string,
): Promise<number[]> {
  return insertThroughKysely(transactionOf(transaction), sql, drafts, createdAt)
}

/** Reads the epoch through the caller's transaction. */
export async function readEpochIn(transaction: unknown, sql: SqliteSql): Promise<string> {
  const [row] = await runSql<{ value: string }>(transactionOf(transaction), sql.epoch)
  if (!row) throw epochMissing()
  return row.value
}

/** Reads the epoch and inserts drafts synchronously, on the caller's better-sqlite3 connection inside its transaction. */
export function appendInSyncTransaction(
  transaction: unknown,
  sql: SqliteSql,
  drafts: readonly EventDraft[],
  createdAt: string,
): { epoch: string; ids: number[] } {
  const database = syncSqliteTransaction(transaction, 'sqliteStore')
  const [row] = runSqlite(database, sql.epoch) as Array<{ value: string }>
  if (!row) throw epochMissing()
  const ids = insertStatements(sql, drafts, createdAt).flatMap((insert) =>
    insertedIds(runSqlite(database, insert.sql, insert.parameters) as Array<{ id: number | bigint }>, insert.count),
  )
  return { epoch: row.value, ids }
}
