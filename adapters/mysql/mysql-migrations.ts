/**
 * The MySQL adapter's schema, applied by Kysely's `Migrator` with the adapter's own migration
 * tables (`<prefix>migration`, `<prefix>migration_lock`), never the app's `kysely_migration`.
 * Safe to run from several processes at once (the Migrator takes a `GET_LOCK`).
 * @module
 */
import { CompiledQuery, type Kysely, type Migration, Migrator } from 'kysely'
import { newEpoch } from '../../src/event-id.js'
import type { MysqlStatements } from './mysql-sql.js'

/** The adapter's migrations by name, applied in name order. */
function migrations(statements: MysqlStatements): Record<string, Migration> {
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

/** Brings the adapter's tables up to date; `db` must run SQL unchanged (no plugins). */
export async function migrateMysql(db: Kysely<any>, statements: MysqlStatements, tablePrefix: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(statements) },
    migrationTableName: `${tablePrefix}migration`,
    migrationLockTableName: `${tablePrefix}migration_lock`,
  })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) throw error
}
