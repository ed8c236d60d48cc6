/**
 * Publishing inside the caller's transaction: the events are inserted through the caller's Kysely
 * `Transaction` and become visible only if and when it commits. No nested transaction is started.
 * @module
 */
import type { EventDraft } from '../../src/event.js'
import { callerTransaction } from '../kit/kysely.js'
import { type AnyKysely, insertThroughKysely, runSql } from './sqlite-kysely.js'
import { epochMissing } from './sqlite-migrations.js'
import type { SqliteSql } from './sqlite-sql.js'

/** The caller's transaction, plugin-free, or a `TypeError`. */
const transactionOf = (value: unknown): AnyKysely =>
  callerTransaction(
    value,
    'sqliteStore: `transaction` must be a Kysely Transaction on the same SQLite database ' +
      '(the `trx` of db.transaction().execute(async (trx) => ...))',
  )

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
