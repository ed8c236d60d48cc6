/**
 * The examples' app on MySQL or MariaDB: the app's tables and the events in one database, one
 * `mysql2` pool under the app's Kysely and the store (`mysqlStore({ pool, db })`), so the services'
 * `publish(event, { transaction: trx })` joins the app's transactions, as on SQLite.
 * @module
 */
import { Kysely, MysqlDialect, sql } from 'kysely'
import mysql from 'mysql2'
import { mysqlStore } from '../../adapters/mysql/index.js'
import { createBroker } from '../../src/index.js'
import type { ExampleApp } from './app.js'
import type { AppTables } from './database.js'
import type { AppEvents } from './events.js'
import { SessionService, WorkspaceService } from './services.js'

/** The database the MySQL example uses by default: `$DATABASE_URL`, or `durable_sse_example` on the local server. */
export const defaultDatabaseUrl = (): string => process.env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/durable_sse_example'

/** Creates the app's tables and seed rows unless they exist (the same rows as the SQLite examples). */
async function createTables(db: Kysely<AppTables>): Promise<void> {
  for (const table of ['sessions', 'workspaces'] as const) {
    await sql`CREATE TABLE IF NOT EXISTS ${sql.table(table)} (
      project_id VARCHAR(64) NOT NULL, id VARCHAR(64) NOT NULL, status VARCHAR(64) NOT NULL,
      PRIMARY KEY (project_id, id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`.execute(db)
  }
  await sql`INSERT IGNORE INTO sessions (project_id, id, status) VALUES ('p1', 'session-1', 'idle'), ('p2', 'session-2', 'idle')`.execute(
    db,
  )
  await sql`INSERT IGNORE INTO workspaces (project_id, id, status)
    VALUES ('p1', 'workspace-1', 'provisioning'), ('p2', 'workspace-2', 'provisioning')`.execute(db)
}

/**
 * Opens the app on the MySQL database at `url` (which must exist) and creates its tables.
 * @example
 * const app = await openMysqlApp({ url: 'mysql://root@127.0.0.1:3306/app' })
 */
export async function openMysqlApp({ url }: { url: string }): Promise<ExampleApp> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 10 })
  const db = new Kysely<AppTables>({ dialect: new MysqlDialect({ pool }) })
  const store = mysqlStore({ pool, db })
  const broker = createBroker<AppEvents>(store)
  let closing: Promise<void> | undefined
  const ready = (async () => {
    await createTables(db)
    await store.migrate()
  })()
  const app: ExampleApp = {
    db,
    store,
    broker,
    sessions: new SessionService({ db, broker }),
    workspaces: new WorkspaceService({ db, broker }),
    ready: () => ready,
    close() {
      closing ??= (async () => {
        await broker.close()
        await store.close()
        await db.destroy() // ends the pool
      })()
      return closing
    },
  }
  await ready
  return app
}
