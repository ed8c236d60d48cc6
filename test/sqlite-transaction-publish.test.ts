/**
 * Publishing inside a SQLite Kysely transaction: delivered only after the commit, never after a
 * rollback; and `broker.transaction(db, fn)`, whose publishes are delivered and sent on the bus
 * right after the commit.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { createBroker, type WakeBus } from '../src/index.js'
import { tempDir } from './helpers/stores.js'
import { POLITE, UnrulyHub } from './helpers/unruly-bus.js'
import { take } from './helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/**
 * A store, a broker with a minute-long backstop, and the app's Kysely on the same file. With
 * `wake`, the broker is on that bus and without the store's own wake-ups, so only what the bus and
 * the broker hand over can deliver within a test.
 */
async function setup(wake?: WakeBus) {
  const temp = tempDir()
  const filename = join(temp.dir, 'app.db')
  const store = sqliteStore({ filename })
  await store.migrate()
  const brokerStore = wake ? Object.assign(Object.create(store), { onWake: undefined }) : store
  const broker = createBroker(brokerStore, { pollIntervalMs: 60_000, wake })
  // The app's own Kysely on its own connection to the same file.
  const db = new Kysely<{ sessions: { id: string; status: string } }>({
    dialect: new SqliteDialect({ database: new Database(filename) }),
  })
  await db.schema
    .createTable('sessions')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text')
    .execute()
  await db.insertInto('sessions').values({ id: 's1', status: 'idle' }).execute()
  cleanups.push(
    temp.remove,
    () => store.close(),
    () => db.destroy(),
    () => broker.close(),
  )
  return { store, broker, db }
}

describe('publishing inside a SQLite Kysely transaction', () => {
  it('is delivered only after the transaction commits, together with the state change', async () => {
    const { broker, db } = await setup()
    const subscription = broker.subscribe('p')
    await subscription.ready
    let delivered = false
    const next = subscription.next().then((result) => {
      delivered = true
      return result.value
    })
    let published: { id: string } | undefined
    await db.transaction().execute(async (trx) => {
      await trx.updateTable('sessions').set({ status: 'running' }).where('id', '=', 's1').execute()
      published = await broker.publish(
        { topic: 'p', type: 'session_updated', payload: { sessionId: 's1', status: 'running' } },
        { transaction: trx },
      )
      // Let the poller run while the transaction is open: it must not see the event yet.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 40))
      expect(delivered).toBe(false)
    })
    const event = await next
    expect(event?.id).toBe(published?.id)
    expect((await db.selectFrom('sessions').select('status').where('id', '=', 's1').executeTakeFirstOrThrow()).status).toBe(
      'running',
    )
  })

  it('is never delivered when the transaction rolls back', async () => {
    const { broker, db, store } = await setup()
    const subscription = broker.subscribe('p')
    await subscription.ready
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.updateTable('sessions').set({ status: 'broken' }).where('id', '=', 's1').execute()
        await broker.publish({ topic: 'p', type: 'session_updated', payload: { status: 'broken' } }, { transaction: trx })
        throw new Error('roll back')
      }),
    ).rejects.toThrow('roll back')
    const after = await broker.publish({ topic: 'p', type: 'session_updated', payload: { status: 'after' } })
    const [event] = await take(subscription, 1)
    expect(event?.id).toBe(after.id) // the rolled-back event never came first
    expect(
      (await store.readAfter([{ topic: 'p', after: `${after.id.split('.')[0]}.0` }], 10)).get('p')?.map((e) => e.id),
    ).toEqual([after.id])
  })
})

/** A broker on a polite bus whose sends are recorded (`sent`: the ids sent, in order). */
async function setupOnBus() {
  const bus = new UnrulyHub(POLITE).bus()
  const sent: string[] = []
  const send = bus.send.bind(bus)
  bus.send = (records) => {
    sent.push(...records.map((record) => record.id))
    send(records)
  }
  return { ...(await setup(bus)), sent }
}

describe('broker.transaction', () => {
  it('returns what the callback returned and delivers and sends its events after the commit', async () => {
    const { broker, db, sent } = await setupOnBus()
    const subscription = broker.subscribe('orders')
    await subscription.ready
    const result = await broker.transaction(db, async (trx) => {
      const event = await broker.publish({ topic: 'orders', type: 'placed', payload: { n: 1 } }, { transaction: trx })
      expect(sent).toEqual([]) // nothing goes out before the commit
      return event
    })
    expect(sent).toEqual([result.id])
    const [received] = await take(subscription, 1, 5_000)
    expect(received?.id).toBe(result.id)
  })

  it('sends and delivers nothing of a rolled-back transaction', async () => {
    const { broker, db, sent } = await setupOnBus()
    const subscription = broker.subscribe('orders')
    await subscription.ready
    await expect(
      broker.transaction(db, async (trx) => {
        await broker.publish({ topic: 'orders', type: 'placed', payload: { n: 1 } }, { transaction: trx })
        throw new Error('changed my mind')
      }),
    ).rejects.toThrow('changed my mind')
    const committed = await broker.publish({ topic: 'orders', type: 'placed', payload: { n: 2 } })
    const [received] = await take(subscription, 1, 5_000)
    expect(received?.payload).toEqual({ n: 2 }) // the first one delivered is the committed one
    expect(sent).toEqual([committed.id])
  })
})
