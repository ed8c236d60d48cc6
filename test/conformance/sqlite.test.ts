/**
 * The SQLite store (`{ filename }` form, a real file per case) passes the whole conformance suite.
 * Transactions run on the app's own Kysely over a second connection to the same file, the way an
 * app that keeps its own connection publishes inside its transactions.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { type SqliteEventStore, sqliteStore } from '../../adapters/sqlite/index.js'
import type { StoreHandle } from '../../src/testing/index.js'
import { describeEventStore } from '../../src/testing/vitest.js'
import { tempDir } from '../helpers/stores.js'

/** The test's transactions touch no table of their own. */
type AnyTables = Record<string, never>

/** A migrated store on a new file in a new temporary directory, removed on dispose. */
async function openStore(): Promise<Required<StoreHandle> & { filename: string; store: SqliteEventStore }> {
  const dir = tempDir()
  const filename = join(dir.dir, 'events.db')
  const store = sqliteStore({ filename })
  await store.migrate()
  return {
    filename,
    store,
    async dispose() {
      await store.close()
      dir.remove()
    },
  }
}

describeEventStore(
  'sqliteStore',
  async () => {
    const opened = await openStore()
    let app: Kysely<AnyTables> | undefined
    return {
      store: opened.store,
      withTransaction(body) {
        app ??= new Kysely<AnyTables>({
          dialect: new SqliteDialect({ database: new Database(opened.filename, { timeout: 5_000 }) }),
        })
        return app.transaction().execute(body)
      },
      makeForeignStore: openStore,
      // Another "process": a second store instance on the same file, with its own connections.
      makePeerStore: async () => ({ store: sqliteStore({ filename: opened.filename }) }),
      async dispose() {
        await app?.destroy()
        await opened.dispose()
      },
    }
  },
  { capabilities: ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared'] },
)
