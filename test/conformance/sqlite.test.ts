/**
 * The SQLite store passes the whole conformance suite in each of its three forms (`{ filename }`,
 * the caller's `{ database }`, the caller's Kysely `{ db }`), a real file per case. Transactions run
 * on the app's own Kysely over another connection to the same file, the way an app that keeps its
 * own connection publishes inside its transactions (a transaction on the store's very connection
 * would hold the reads of `transaction-uncommitted-invisible` until it ends: the kit's README).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { StoreHandle } from '../../src/testing/index.js'
import { describeEventStore } from '../../src/testing/vitest.js'
import { type OpenedStore, sqliteForms } from '../helpers/sqlite.js'
import { tempDir } from '../helpers/stores.js'

/** The test's transactions touch no table of their own. */
type AnyTables = Record<string, never>

/** A store handle over an opened form, closing it with its caller's connections. */
const handleOf = (opened: OpenedStore): StoreHandle => ({ store: opened.store, dispose: () => opened.close() })

for (const form of sqliteForms) {
  /** A migrated store of this form on a new file in a new temporary directory, removed on dispose. */
  const openStore = async (): Promise<Required<StoreHandle> & { filename: string }> => {
    const dir = tempDir()
    const filename = join(dir.dir, 'events.db')
    const opened = form.open(filename)
    await opened.store.migrate()
    return {
      store: opened.store,
      filename,
      async dispose() {
        await opened.close()
        dir.remove()
      },
    }
  }

  describeEventStore(
    `sqliteStore({ ${form.name} })`,
    async () => {
      const fresh = await openStore()
      let app: Kysely<AnyTables> | undefined
      return {
        store: fresh.store,
        withTransaction(body) {
          app ??= new Kysely<AnyTables>({
            dialect: new SqliteDialect({ database: new Database(fresh.filename, { timeout: 5_000 }) }),
          })
          return app.transaction().execute(body)
        },
        makeForeignStore: openStore,
        // Another "process": a second store instance on the same file, with its own connections.
        makePeerStore: async () => handleOf(form.open(fresh.filename)),
        async dispose() {
          await app?.destroy()
          await fresh.dispose()
        },
      }
    },
    { capabilities: ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared', 'changes', 'snapshot'] },
  )
}
