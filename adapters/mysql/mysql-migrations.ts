/**
 * The MySQL adapter's schema, applied by Kysely's `Migrator` with the adapter's own migration
 * tables (`<prefix>migration`, `<prefix>migration_lock`), never the app's `kysely_migration`.
 * Safe to run from several processes at once (the Migrator takes a `GET_LOCK`).
 * @module
 */
import { type Kysely, Migrator } from 'kysely'
import { sqlMigrations } from '../kit/sql-migrations.js'
import type { MysqlStatements } from './mysql-sql.js'

/** Brings the adapter's tables up to date; `db` must run SQL unchanged (no plugins). */
export async function migrateMysql(db: Kysely<any>, statements: MysqlStatements, tablePrefix: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => sqlMigrations(statements) },
    migrationTableName: `${tablePrefix}migration`,
    migrationLockTableName: `${tablePrefix}migration_lock`,
  })
  const { error } = await migrator.migrateToLatest()
  if (error !== undefined) throw error
}
