import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { createBroker } from '../src/index.js'
import { tempDir } from './helpers/stores.js'
import { take } from './helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup() {
  const temp = tempDir()
  const filename = join(temp.dir, 'app.db')
  const store = sqliteStore({ filename })
  await store.migrate()
  const broker = createBroker(store, { pollIntervalMs: 60_000 })
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
