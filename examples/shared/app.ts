/**
 * What every example shares: one SQLite file holding the app's tables and the events, one Kysely
 * on it (the store writes through it, so `publish(event, { transaction: trx })` joins the app's
 * transactions), the broker, and the two services.
 * @module
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { type Broker, createBroker, type EventStore } from '../../src/index.js'
import { type AppTables, createTables, openDatabase } from './database.js'
import type { AppEvents } from './events.js'
import { SessionService, WorkspaceService } from './services.js'

/** An example's server-side state. */
export interface ExampleApp {
  /** The app's database. */
  db: Kysely<AppTables>
  /** The events store, on the same database. */
  store: EventStore
  /** The broker: publishes and serves SSE. */
  broker: Broker<AppEvents>
  /** `SessionService.updateStatus`. */
  sessions: SessionService
  /** `WorkspaceService.updateStatus`. */
  workspaces: WorkspaceService
  /** Creates the tables (app and events) once; later calls return the same promise. */
  ready(): Promise<void>
  /** Ends the streams, then closes the store and the database. */
  close(): Promise<void>
}

/** The default database file of an example. */
export function defaultDbFile(name: string): string {
  return process.env.EXAMPLE_DB || join(tmpdir(), `durable-sse-${name}.db`)
}

/**
 * Creates the app synchronously (nothing touches the file until `ready()`), for module-level
 * singletons such as a Next.js route's broker.
 * @example
 * const app = createApp({ dbFile: 'example.db' })
 * await app.ready()
 */
export function createApp(options: { dbFile: string }): ExampleApp {
  const db = openDatabase(options.dbFile)
  const store = sqliteStore({ db })
  const broker = createBroker<AppEvents>(store)
  let readying: Promise<void> | undefined
  let closing: Promise<void> | undefined
  return {
    db,
    store,
    broker,
    sessions: new SessionService({ db, broker }),
    workspaces: new WorkspaceService({ db, broker }),
    ready() {
      readying ??= (async () => {
        await createTables(db)
        await store.migrate()
      })()
      return readying
    },
    close() {
      closing ??= (async () => {
        await broker.close()
        await store.close()
        await db.destroy()
      })()
      return closing
    },
  }
}

/**
 * Creates the app and its tables.
 * @example
 * const app = await openApp({ dbFile: 'example.db' })
 */
export async function openApp(options: { dbFile: string }): Promise<ExampleApp> {
  const app = createApp(options)
  await app.ready()
  return app
}
