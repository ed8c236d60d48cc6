/**
 * An app's Kysely with `CamelCasePlugin` publishes through the broker inside its own transaction,
 * atomically with its own (camelCase) write: delivered after the commit, with the id and createdAt
 * `publish()` returned; a rolled-back one never. Both with the store on its own pool and with the
 * store built on that same plugin-carrying Kysely (`{ db, pool }`).
 */
import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely'
import { expect, it } from 'vitest'
import { postgresStore } from '../../adapters/postgres/index.js'
import { createBroker } from '../../src/index.js'
import { describePostgres, uniqueTopic } from '../helpers/postgres.js'
import { pgBroker } from './helpers/broker.js'
import { collect } from './helpers/collect.js'

interface AppDatabase {
  appSessions: { sessionId: string; sessionStatus: string }
}

describePostgres('broker: CamelCasePlugin Kysely', (database) => {
  const appDb = () => {
    const pool = database.newPool({ max: 3 })
    const db = new Kysely<AppDatabase>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] })
    database.defer(() => db.destroy())
    return { pool, db, app: db.withSchema(database.schema) }
  }

  const scenario = async (broker: ReturnType<typeof createBroker>, app: Kysely<AppDatabase>, db: Kysely<AppDatabase>) => {
    const [topic, marker] = [uniqueTopic('camel'), uniqueTopic('marker')]
    const events = collect(broker, topic)
    const markers = collect(broker, marker)
    await Promise.all([events.ready, markers.ready])
    const id = uniqueTopic('s')

    const published = await db.transaction().execute(async (trx) => {
      await trx
        .withSchema(database.schema)
        .insertInto('appSessions')
        .values({ sessionId: id, sessionStatus: 'running' })
        .execute()
      const stored = await broker.publish(
        { topic, type: 'session_updated', payload: { sessionId: id, sessionStatus: 'running' } },
        { transaction: trx },
      )
      // Still open: a marker delivered now proves the poller could not read the event yet.
      await broker.publish({ topic: marker, type: 'tick', payload: {} })
      await markers.until((received) => received.length === 1, 'the first marker')
      expect(events.events).toEqual([])
      return stored
    })
    await events.until((received) => received.length === 1, 'the committed event')
    expect(events.events).toEqual([published]) // id, type, topic, payload and createdAt as publish() returned them
    expect(await app.selectFrom('appSessions').selectAll().where('sessionId', '=', id).execute()).toEqual([
      { sessionId: id, sessionStatus: 'running' },
    ])

    const failure = await db
      .transaction()
      .execute(async (trx) => {
        await trx
          .withSchema(database.schema)
          .updateTable('appSessions')
          .set({ sessionStatus: 'failed' })
          .where('sessionId', '=', id)
          .execute()
        await broker.publish(
          { topic, type: 'session_updated', payload: { sessionId: id, sessionStatus: 'failed' } },
          { transaction: trx },
        )
        throw new Error('the app changed its mind')
      })
      .catch((error: Error) => error.message)
    expect(failure).toBe('the app changed its mind')
    const after = await broker.publish({ topic, type: 'session_updated', payload: { sessionId: id, sessionStatus: 'done' } })
    await events.until((received) => received.length === 2, 'the event after the rollback')
    expect(events.events.map((e) => [e.id, e.payload])).toEqual([
      [published.id, { sessionId: id, sessionStatus: 'running' }],
      [after.id, { sessionId: id, sessionStatus: 'done' }],
    ])
    await Promise.all([events.stop(), markers.stop()])
  }

  it('publishes inside the transaction of a CamelCasePlugin Kysely (store on its own pool)', async () => {
    await database.query(
      `CREATE TABLE IF NOT EXISTS "${database.schema}".app_sessions (session_id text PRIMARY KEY, session_status text NOT NULL)`,
    )
    const { db, app } = appDb()
    const { broker, errors } = await pgBroker(database, {}, { pollIntervalMs: 60_000 })
    await scenario(broker, app, db)
    expect(errors).toEqual([])
  })

  it('publishes inside its transaction when the store itself runs on that Kysely ({ db, pool })', async () => {
    await database.query(
      `CREATE TABLE IF NOT EXISTS "${database.schema}".app_sessions (session_id text PRIMARY KEY, session_status text NOT NULL)`,
    )
    const { db, app, pool } = appDb()
    const store = postgresStore({ db, pool, schema: database.schema, tablePrefix: 'camel_' })
    database.defer(() => store.close())
    await store.migrate()
    const errors: unknown[] = []
    const broker = createBroker(store, { pollIntervalMs: 60_000, heartbeatMs: 0, onError: (error) => errors.push(error) })
    database.defer(() => broker.close())
    await scenario(broker, app, db)
    expect(errors).toEqual([])
  })
})
