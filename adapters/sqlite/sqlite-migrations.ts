/**
 * The store's schema, as numbered migrations recorded in its own `<prefix>migration` table (never
 * the app's `kysely_migration`). Backends run the steps inside one `BEGIN IMMEDIATE` transaction,
 * so processes migrating the same file at once apply each migration exactly once.
 * @module
 */
import { StoreNotMigratedError } from '../../src/errors.js'
import { newEpoch } from '../../src/event-id.js'
import type { SqliteTables } from './sqlite-sql.js'

/** The epoch row is missing from the meta table: `migrate()` never ran (to its end) on this database. */
export function epochMissing(): StoreNotMigratedError {
  return new StoreNotMigratedError(
    'durable-sse/sqlite: the epoch is missing from the meta table; run `await store.migrate()` first',
  )
}

/** `error`, or, for SQLite's "no such table", a {@link StoreNotMigratedError} that says to run `migrate()`. */
export function explainMissingTables(error: unknown): unknown {
  if (error instanceof Error && /no such table/i.test(error.message)) {
    return new StoreNotMigratedError(
      "durable-sse/sqlite: the store's tables do not exist yet; run `await store.migrate()` first",
      {
        cause: error,
      },
    )
  }
  return error
}

/** One SQL statement and its parameters. */
export interface SqlStep {
  /** The statement. */
  sql: string
  /** Its positional parameters. */
  parameters: unknown[]
}

/** One schema change. */
interface SqliteMigration {
  /** Applied in ascending order; recorded in the migration table. */
  version: number
  /** Recorded next to the version, for people reading the table. */
  name: string
  /** The statements, for the given tables. */
  steps(tables: SqliteTables): SqlStep[]
}

const step = (sql: string, parameters: unknown[] = []): SqlStep => ({ sql, parameters })

const MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'create_events',
    steps: (t) => [
      // AUTOINCREMENT: a plain rowid is reused after the newest rows are deleted, and a reused id
      // would be a resume point that silently skips events.
      step(
        `CREATE TABLE ${t.events} (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, ` +
          'type TEXT NOT NULL, data TEXT NOT NULL, created_at TEXT NOT NULL)',
      ),
      step(`CREATE INDEX ${t.eventsTopicIndex} ON ${t.events} (topic, id)`),
      step(`CREATE TABLE ${t.pruned} (topic TEXT PRIMARY KEY NOT NULL, through INTEGER NOT NULL)`),
      step(`CREATE TABLE ${t.meta} (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)`),
      step(`INSERT INTO ${t.meta} (key, value) VALUES ('epoch', ?)`, [newEpoch()]),
    ],
  },
  {
    version: 2,
    name: 'add_trace_context',
    // The publisher's W3C traceparent (OpenTelemetry), NULL for events published without it.
    steps: (t) => [step(`ALTER TABLE ${t.events} ADD COLUMN trace_context TEXT`)],
  },
]

/** Creates the migration table when missing (run first, inside the migration transaction). */
export function createMigrationTable(tables: SqliteTables): SqlStep {
  return step(
    `CREATE TABLE IF NOT EXISTS ${tables.migration} ` +
      '(version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  )
}

/** Reads the highest applied version as a row `{ version }` (0 when none). */
export function appliedVersion(tables: SqliteTables): SqlStep {
  return step(`SELECT coalesce(max(version), 0) AS version FROM ${tables.migration}`)
}

/** The statements that bring a schema at version `applied` up to date, each migration recorded. */
export function migrationSteps(tables: SqliteTables, applied: number): SqlStep[] {
  const appliedAt = new Date().toISOString()
  return MIGRATIONS.filter((migration) => migration.version > applied).flatMap((migration) => [
    ...migration.steps(tables),
    step(`INSERT INTO ${tables.migration} (version, name, applied_at) VALUES (?, ?, ?)`, [
      migration.version,
      migration.name,
      appliedAt,
    ]),
  ])
}

/** Puts the database file in WAL mode (persistent; must run outside a transaction). */
export const JOURNAL_MODE_WAL = 'PRAGMA journal_mode = WAL'
