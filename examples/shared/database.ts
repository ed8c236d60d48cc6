/**
 * The examples' own tables (projects' sessions and workspaces) in a SQLite file, through Kysely.
 * The events live in the same file, in durable-sse's tables.
 * @module
 */
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'

/** A session or workspace row: the columns the services read and write. */
export interface ItemRow {
  project_id: string
  id: string
  status: string
}

/** The app's tables, as Kysely sees them. */
export interface AppTables {
  /** Sessions of a project. */
  sessions: ItemRow
  /** Workspaces of a project. */
  workspaces: ItemRow
}

/** Rows every fresh database starts with: project `p1` and project `p2`, one session and one workspace each. */
const SEED: Record<keyof AppTables, ItemRow[]> = {
  sessions: [
    { project_id: 'p1', id: 'session-1', status: 'idle' },
    { project_id: 'p2', id: 'session-2', status: 'idle' },
  ],
  workspaces: [
    { project_id: 'p1', id: 'workspace-1', status: 'provisioning' },
    { project_id: 'p2', id: 'workspace-2', status: 'provisioning' },
  ],
}

/** Opens `dbFile` (created when missing) in WAL mode as a Kysely of `Tables`; nothing is read or written yet. */
export function openDatabase<Tables = AppTables>(dbFile: string): Kysely<Tables> {
  const database = new Database(dbFile)
  database.pragma('journal_mode = WAL')
  database.pragma('busy_timeout = 5000')
  return new Kysely<Tables>({ dialect: new SqliteDialect({ database }) })
}

/** Creates the app's tables and seed rows unless they exist. */
export async function createTables(db: Kysely<AppTables>): Promise<void> {
  for (const table of ['sessions', 'workspaces'] as const) {
    await sql`CREATE TABLE IF NOT EXISTS ${sql.table(table)} (
      project_id TEXT NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (project_id, id))`.execute(db)
    await db
      .insertInto(table)
      .values(SEED[table])
      .onConflict((conflict) => conflict.doNothing())
      .execute()
  }
}
