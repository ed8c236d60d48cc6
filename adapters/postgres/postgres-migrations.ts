/**
 * The Postgres adapter's schema, applied by Kysely's `Migrator` with the adapter's own migration
 * tables (`<prefix>migration`, `<prefix>migration_lock`, in the configured schema), never the
 * app's `kysely_migration`. Safe to run from several processes at once (the Migrator locks).
 * @module
 */
import { CompiledQuery, type Kysely, type Migration, Migrator } from 'kysely'
import { sqlMigrations } from '../kit/sql-migrations.js'
import type { PostgresStatements } from './postgres-sql.js'

/** The Postgres store's own migrations after the shared ones: the timeline its ids began on (`timeline.ts`). */
function postgresMigrations(statements: PostgresStatements): Record<string, Migration> {
  return {
    ...sqlMigrations(statements),
    '0003_record_timeline': {
      async up(db): Promise<void> {
        for (const text of statements.recordTimeline) await db.executeQuery(CompiledQuery.raw(text))
      },
    },
  }
}

/** Brings the adapter's tables up to date; `db` must run SQL unchanged (no plugins). */
export async function migratePostgres(
  db: Kysely<any>,
  statements: PostgresStatements,
  schema: string,
  tablePrefix: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => postgresMigrations(statements) },
    migrationTableSchema: schema,
    migrationTableName: `${tablePrefix}migration`,
    migrationLockTableName: `${tablePrefix}migration_lock`,
  })
  for (let attempt = 1; ; attempt++) {
    const { error } = await migrator.migrateToLatest()
    if (error === undefined) return
    if (attempt >= 5 || !RACED_WITH_DDL.has((error as { code?: string }).code ?? '')) throw error
  }
}

/**
 * Errors of Kysely's table introspection (it lists every table of the database) when another
 * session drops a schema or table mid-query: harmless to us, so the migration is tried again.
 */
const RACED_WITH_DDL = new Set(['3F000', '42P01', 'XX000'])
