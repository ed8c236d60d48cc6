/**
 * Publishing inside the caller's transaction: the events are inserted through the caller's Kysely
 * `Transaction` and become visible only if and when it commits. No nested transaction is started.
 * @module
 */
import type { EventDraft } from '../../src/event.js'
import { type AnyKysely, insertThroughKysely, runSql } from './sqlite-kysely.js'
import type { SqliteSql } from './sqlite-sql.js'

/** Returns `value` as a Kysely transaction, or throws a `TypeError` when it is something else. */
export function asKyselyTransaction(value: unknown): AnyKysely {
  const candidate = value as { isTransaction?: unknown; withoutPlugins?: unknown } | null
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    candidate.isTransaction === true &&
    typeof candidate.withoutPlugins === 'function'
  ) {
    return value as AnyKysely
  }
  throw new TypeError(
    'sqliteStore: `transaction` must be a Kysely Transaction on the same SQLite database ' +
      '(the `trx` of db.transaction().execute(async (trx) => ...))',
  )
}

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
  return insertThroughKysely(asKyselyTransaction(transaction).withoutPlugins(), sql, drafts, createdAt)
}

/** Reads the epoch through the caller's transaction. */
export async function readEpochIn(transaction: unknown, sql: SqliteSql): Promise<string> {
  const [row] = await runSql<{ value: string }>(asKyselyTransaction(transaction).withoutPlugins(), sql.epoch)
  if (!row) throw new Error('durable-sse/sqlite: the epoch is missing from the meta table')
  return row.value
}
