/**
 * Snapshot, then subscribe, with no race: writers increment a counter and publish each increment
 * in the same transaction; snapshots taken meanwhile read the counter and the topic's position in
 * one database snapshot, and every subscriber started after a snapshot's `lastEventId` sees
 * exactly value+1, value+2, ... On a real SQLite file (the store's own connections, and the app's
 * Kysely as `db`) and the real Postgres server (its own pool, and the app's Kysely with a
 * CamelCasePlugin as `db`).
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { postgresStore } from '../adapters/postgres/index.js'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { type Broker, createBroker, type EventStore, type StoredEvent } from '../src/index.js'
import { describePostgres } from './helpers/postgres.js'
import { tempDir } from './helpers/stores.js'
import { take } from './helpers/wait.js'

interface CounterTables {
  counter: { id: number; counterValue: number }
}
type Events = { inc: { value: number }; other: { n: number } }

/** An app: its Kysely on the database (the counter table), a store on the same database, and how the app reads the counter in a snapshot's transaction. */
interface CounterApp {
  app: Kysely<CounterTables>
  store: EventStore
  readCounter(trx: Kysely<any>): Promise<number>
  close(): Promise<void>
}

/** The counter through the app's own Kysely (or one like it: plugins, schema). */
const counterOf = async (trx: Kysely<any>): Promise<number> =>
  (
    await (trx as Kysely<CounterTables>)
      .selectFrom('counter')
      .select('counterValue')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
  ).counterValue

const WRITERS = 3
const INCREMENTS = 40

function counterSuite(open: () => Promise<CounterApp>) {
  let opened: CounterApp | undefined
  let broker: Broker<Events> | undefined
  afterEach(async () => {
    await broker?.close()
    await opened?.close()
  })

  it('every subscription after a snapshot gets exactly the increments the snapshot did not see', {
    timeout: 60_000,
  }, async () => {
    opened = await open()
    const { app, store, readCounter } = opened
    broker = createBroker<Events>(store, { pollIntervalMs: 100 })
    const events = broker
    const increment = () =>
      app.transaction().execute(async (trx) => {
        const { counterValue } = await trx
          .updateTable('counter')
          .set((eb) => ({ counterValue: eb('counterValue', '+', 1) }))
          .where('id', '=', 1)
          .returning('counterValue')
          .executeTakeFirstOrThrow()
        await events.publish({ topic: 'counter', type: 'inc', payload: { value: counterValue } }, { transaction: trx })
      })
    let writing = true
    const writers = Array.from({ length: WRITERS }, async () => {
      for (let i = 0; i < INCREMENTS; i++) {
        await increment()
        await new Promise((resolve) => setTimeout(resolve, 2)) // spreads the writes over the snapshots
      }
    })
    const written = Promise.all(writers).then(() => {
      writing = false
    })
    const snapshots: Array<Promise<{ value: number; seen: number[] }>> = []
    const snapshotter = (async () => {
      for (let round = 0; writing; round++) {
        const topics = round % 2 === 0 ? 'counter' : ['counter', 'quiet']
        const { state: value, lastEventId } = await events.snapshot(topics, readCounter)
        const subscription = events.subscribe(topics, { after: lastEventId })
        await subscription.ready
        const remaining = WRITERS * INCREMENTS - value
        snapshots.push(
          (async () => {
            const received = remaining > 0 ? await take(subscription, remaining, 30_000) : []
            await subscription.return?.()
            return {
              value,
              seen: received.map((event) => (event as StoredEvent<'inc', { value: number }>).payload.value),
            }
          })(),
        )
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    await Promise.all([written, snapshotter])
    const results = await Promise.all(snapshots)
    expect(results.length).toBeGreaterThan(3)
    expect(results.some(({ value }) => value > 0 && value < WRITERS * INCREMENTS)).toBe(true)
    for (const { value, seen } of results) {
      expect(seen).toEqual(Array.from({ length: WRITERS * INCREMENTS - value }, (_, i) => value + i + 1))
    }
  })
}

/** The counter table on a Kysely. */
async function createCounter(app: Kysely<CounterTables>): Promise<void> {
  await app.schema
    .createTable('counter')
    .ifNotExists()
    .addColumn('id', 'integer', (column) => column.primaryKey())
    .addColumn('counterValue', 'integer', (column) => column.notNull())
    .execute()
  await app.insertInto('counter').values({ id: 1, counterValue: 0 }).execute()
}

describe('snapshot on SQLite', () => {
  for (const form of ['filename', 'db'] as const) {
    describe(`sqliteStore({ ${form} })`, () => {
      counterSuite(async () => {
        const temp = tempDir()
        const filename = join(temp.dir, 'app.db')
        const database = new Database(filename, { timeout: 5_000 })
        database.pragma('journal_mode = WAL')
        const app = new Kysely<CounterTables>({ dialect: new SqliteDialect({ database }) })
        const store = form === 'filename' ? sqliteStore({ filename }) : sqliteStore({ db: app })
        await store.migrate()
        await createCounter(app)
        return {
          app,
          store,
          readCounter: counterOf,
          async close() {
            await store.close()
            await app.destroy()
            temp.remove()
          },
        }
      })
    })
  }
})

describePostgres('snapshot on Postgres', (database) => {
  let tables = 0
  for (const form of ['connectionString', 'db'] as const) {
    describe(`postgresStore({ ${form} })`, () => {
      counterSuite(async () => {
        const pool = new pg.Pool({ connectionString: database.url, max: 8 })
        pool.on('error', () => {})
        const prefix = `snap${++tables}_`
        const app = new Kysely<CounterTables>({
          dialect: new PostgresDialect({ pool }),
          plugins: [new CamelCasePlugin()],
        }).withSchema(database.schema)
        await sql`CREATE TABLE IF NOT EXISTS ${sql.table(`${database.schema}.counter`)} (id int PRIMARY KEY, counter_value int NOT NULL)`.execute(
          app,
        )
        await sql`TRUNCATE ${sql.table(`${database.schema}.counter`)}`.execute(app)
        await app.insertInto('counter').values({ id: 1, counterValue: 0 }).execute()
        const store =
          form === 'connectionString'
            ? postgresStore({ connectionString: database.url, schema: database.schema, tablePrefix: prefix })
            : postgresStore({ db: app, pool, schema: database.schema, tablePrefix: prefix })
        await store.migrate()
        return {
          app,
          store,
          // The store's own pool knows neither the app's schema nor its plugins; the app's Kysely (`db`) has both.
          readCounter:
            form === 'db'
              ? counterOf
              : async (trx) =>
                  (
                    await sql<{
                      value: number
                    }>`SELECT counter_value AS value FROM ${sql.table(`${database.schema}.counter`)} WHERE id = 1`.execute(trx)
                  ).rows[0]?.value as number,
          async close() {
            await store.close()
            await pool.end()
          },
        }
      })
    })
  }
})
