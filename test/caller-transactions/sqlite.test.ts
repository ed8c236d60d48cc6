/**
 * Acceptance 3 on SQLite: better-sqlite3's transactions are synchronous functions, so inside
 * `database.transaction(() => ...)` and Drizzle's better-sqlite3 `db.transaction((tx) => ...)` the
 * event is published with `broker.publishSync`; with a transaction opened by hand (`BEGIN
 * IMMEDIATE` ... `COMMIT`), `await broker.publish` works as anywhere.
 */
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import { describe, expect, it } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { type Broker, createBroker, memoryStore } from '../../src/index.js'
import { useTempFiles } from '../helpers/sqlite.js'
import { callerTransactionCases } from './cases.js'

/** Thrown inside a transaction function to roll it back. */
class RollBack extends Error {}

/** Runs `body` and swallows the {@link RollBack} it throws on purpose. */
function rollingBack(body: () => unknown): void {
  try {
    body()
  } catch (error) {
    if (!(error instanceof RollBack)) throw error
  }
}

describe('caller transactions: sqlite', () => {
  const files = useTempFiles()
  let app: Database.Database | undefined

  /** The app's own connection to the store's file, with its table. */
  const appDatabase = (): Database.Database => {
    if (app === undefined) {
      const opened = new Database(files.file(), { timeout: 5_000 })
      opened.exec('CREATE TABLE IF NOT EXISTS app_rows (id TEXT PRIMARY KEY)')
      files.defer(() => {
        opened.close()
        app = undefined
      })
      app = opened
    }
    return app
  }

  callerTransactionCases({
    async broker(): Promise<Broker> {
      const store = sqliteStore({ filename: files.file() })
      await store.migrate()
      const broker = createBroker(store, { heartbeatMs: 0 })
      files.defer(async () => {
        await broker.close()
        await store.close()
      })
      appDatabase()
      return broker
    },
    rowExists: async (id) => appDatabase().prepare('SELECT 1 FROM app_rows WHERE id = ?').get(id) !== undefined,
    kinds: [
      {
        name: 'Drizzle better-sqlite3 (publishSync)',
        async run(id, event, commit) {
          const db = drizzle({ client: appDatabase() })
          rollingBack(() =>
            db.transaction((tx) => {
              tx.run(sql`INSERT INTO app_rows (id) VALUES (${id})`)
              event.publishSync(tx)
              if (!commit) throw new RollBack()
            }),
          )
        },
      },
      {
        name: 'better-sqlite3 database.transaction() (publishSync)',
        async run(id, event, commit) {
          const database = appDatabase()
          rollingBack(
            database.transaction(() => {
              database.prepare('INSERT INTO app_rows (id) VALUES (?)').run(id)
              event.publishSync(database)
              if (!commit) throw new RollBack()
            }),
          )
        },
      },
      {
        name: 'better-sqlite3 after BEGIN IMMEDIATE (await publish)',
        async run(id, event, commit) {
          const database = appDatabase()
          database.exec('BEGIN IMMEDIATE')
          try {
            database.prepare('INSERT INTO app_rows (id) VALUES (?)').run(id)
            await event.publish(database)
            database.exec(commit ? 'COMMIT' : 'ROLLBACK')
          } finally {
            if (database.inTransaction) database.exec('ROLLBACK')
          }
        },
      },
    ],
    async notTransactions() {
      return [
        ['a better-sqlite3 Database outside a transaction', appDatabase()],
        ['a Drizzle database (not a transaction)', drizzle({ client: appDatabase() })],
        ['a plain object', {}],
      ]
    },
  })

  it('publishSync outside a transaction, or on a store without a synchronous append, is a TypeError', async () => {
    const store = sqliteStore({ filename: files.file() })
    await store.migrate()
    const broker = createBroker(store, { heartbeatMs: 0 })
    const memory = createBroker(memoryStore(), { heartbeatMs: 0 })
    files.defer(async () => {
      await Promise.all([broker.close(), memory.close()])
      await store.close()
    })
    const event = { topic: 't', type: 'row_added', payload: {} }
    expect(() => broker.publishSync(event, { transaction: appDatabase() })).toThrow(/outside a transaction/)
    expect(() => memory.publishSync(event, { transaction: appDatabase() })).toThrow(/synchronous append/)
  })
})
