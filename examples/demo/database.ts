/**
 * The demo app's own tables in the same SQLite file as the events: sessions and workspaces (the
 * shared tables plus a `name` column, seeded for one project) and users' notifications.
 * @module
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { type Generated, type Kysely, sql } from 'kysely'
import { type ItemRow, openDatabase as openSqlite } from '../shared/database.js'
import type { Item, Notification, ProjectState } from './events.js'

/** A demo row: a shared row with a human name. */
interface NamedRow extends ItemRow {
  name: string
}

/** A notification of a user. */
interface NotificationRow {
  id: Generated<number>
  user_id: string
  text: string
}

/** The demo's tables, as Kysely sees them. */
export interface DemoTables {
  /** Sessions of a project. */
  sessions: NamedRow
  /** Workspaces of a project. */
  workspaces: NamedRow
  /** Users' notifications. */
  notifications: NotificationRow
}

/** Most notifications {@link readNotifications} lists. */
const LISTED_NOTIFICATIONS = 50

const SEED = {
  sessions: [
    { id: 'session-1', name: 'Refactor billing', status: 'running' },
    { id: 'session-2', name: 'Write release notes', status: 'idle' },
  ],
  workspaces: [
    { id: 'workspace-1', name: 'Staging', status: 'ready' },
    { id: 'workspace-2', name: 'Preview #42', status: 'provisioning' },
  ],
}

/** Opens (creating when missing) the demo's SQLite file in WAL mode, with its tables and the project's seed rows. */
export async function openDatabase(filename: string, projectId: string): Promise<Kysely<DemoTables>> {
  mkdirSync(dirname(filename), { recursive: true })
  const db = openSqlite<DemoTables>(filename)
  for (const table of ['sessions', 'workspaces'] as const) {
    await sql`CREATE TABLE IF NOT EXISTS ${sql.table(table)} (
      project_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
      PRIMARY KEY (project_id, id))`.execute(db)
    await db
      .insertInto(table)
      .values(SEED[table].map((item) => ({ project_id: projectId, ...item })))
      .onConflict((conflict) => conflict.doNothing())
      .execute()
  }
  await sql`CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, text TEXT NOT NULL)`.execute(db)
  return db
}

/** Reads a project's sessions and workspaces. */
export async function readState(db: Kysely<DemoTables>, projectId: string): Promise<ProjectState> {
  const list = (table: 'sessions' | 'workspaces'): Promise<Item[]> =>
    db.selectFrom(table).select(['id', 'name', 'status']).where('project_id', '=', projectId).orderBy('id').execute()
  const [sessions, workspaces] = await Promise.all([list('sessions'), list('workspaces')])
  return { sessions, workspaces }
}

/** Reads a user's latest notifications, newest first. */
export function readNotifications(db: Kysely<DemoTables>, userId: string): Promise<Notification[]> {
  return db
    .selectFrom('notifications')
    .select(['id', 'text'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(LISTED_NOTIFICATIONS)
    .execute()
}
