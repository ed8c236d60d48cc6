/**
 * The migrations the SQL stores on Kysely (Postgres, MySQL) share, each store giving the SQL of
 * its own dialect; applied by Kysely's `Migrator` with the adapter's own migration tables.
 * @module
 */
import { CompiledQuery, type Migration } from 'kysely'
import { newEpoch } from '../../src/event-id.js'

/** The statements the shared migrations run. */
export interface MigrationStatements {
  /** Idempotent DDL of the first migration (run in order); then `insertEpoch`. */
  createTables: readonly string[]
  /** `$1`/`?` epoch: records the store's epoch once. */
  insertEpoch: string
  /** Adds the nullable trace-context column (second migration). */
  addTraceContext: string
}

/** The adapter's migrations by name, applied in name order. */
export function sqlMigrations(statements: MigrationStatements): Record<string, Migration> {
  return {
    '0001_create_tables': {
      async up(db): Promise<void> {
        for (const ddl of statements.createTables) await db.executeQuery(CompiledQuery.raw(ddl))
        await db.executeQuery(CompiledQuery.raw(statements.insertEpoch, [newEpoch()]))
      },
    },
    '0002_add_trace_context': {
      async up(db): Promise<void> {
        await db.executeQuery(CompiledQuery.raw(statements.addTraceContext))
      },
    },
  }
}
