/**
 * A connection that dies while the store has it checked out (here: a publish waiting for a topic's
 * lock, its backend terminated), in each way of connecting the store: only that publish fails, with
 * `PublishFailedError` and the driver's error as `cause`; the failure is reported once to
 * `onError`; nothing is thrown at the process (vitest fails a file on an uncaught exception); the
 * failed append is never retried (its position goes to the next publish); the store carries on.
 * With `{ db, pool }` the store cannot see its checkouts (your Kysely makes them): the one
 * publish after the failure may fail too, on the same dead connection.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import { createBroker, PublishFailedError, type StoredEvent } from '../../src/index.js'
import { describePostgres, lockWaiter, type PostgresTestDatabase, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { until } from '../helpers/wait.js'
import { heldTransaction } from '../postgres/helpers/transaction.js'

type Report = { error: unknown; source: string }

interface Form {
  name: string
  /**
   * Whether the store checks its connections out itself. With `{ db }` your Kysely does, and `pg`
   * may hand the dead connection to one more query before it has read the socket's end.
   */
  ownCheckouts: boolean
  make(database: PostgresTestDatabase, applicationName: string, onError: (error: unknown, source: string) => void): PostgresStore
}

/** A pool of the app's, ended after the file; `handled` gives it the usual `'error'` listener. */
function appPool(database: PostgresTestDatabase, applicationName: string, handled: boolean): pg.Pool {
  const pool = new pg.Pool({ connectionString: database.url, application_name: applicationName, max: 2 })
  if (handled) pool.on('error', () => {})
  database.defer(() => pool.end())
  return pool
}

/** The settings every form shares: this file's schema, polling only, errors to the test. */
const settings = (database: PostgresTestDatabase, onError: (error: unknown, source: string) => void) => ({
  schema: database.schema,
  notify: false,
  onError,
})

const forms: Form[] = [
  {
    name: '{ connectionString } (its own pool)',
    ownCheckouts: true,
    make: (database, applicationName, onError) =>
      postgresStore({
        connectionString: database.url,
        poolConfig: { application_name: applicationName, max: 2 },
        ...settings(database, onError),
      }),
  },
  {
    name: '{ pool } with no error listener',
    ownCheckouts: true,
    make: (database, applicationName, onError) =>
      postgresStore({ pool: appPool(database, applicationName, false), ...settings(database, onError) }),
  },
  {
    name: '{ pool } whose owner listens to its errors',
    ownCheckouts: true,
    make: (database, applicationName, onError) =>
      postgresStore({ pool: appPool(database, applicationName, true), ...settings(database, onError) }),
  },
  {
    name: '{ db, pool } with no error listener',
    ownCheckouts: false,
    make: (database, applicationName, onError) => {
      const pool = appPool(database, applicationName, false)
      return postgresStore({
        db: new Kysely<any>({ dialect: new PostgresDialect({ pool }) }),
        pool,
        ...settings(database, onError),
      })
    },
  },
]

describePostgres('postgres store: a checked-out connection dies', (database) => {
  for (const [i, form] of forms.entries()) {
    it(`${form.name}: only the publish using it fails, typed, reported once, never retried`, async () => {
      const applicationName = `dsse-checkout-${process.pid}-${i}`
      const reports: Report[] = []
      const store = form.make(database, applicationName, (error, source) => void reports.push({ error, source }))
      database.defer(() => store.close())
      await store.migrate()
      const broker = createBroker(store, { heartbeatMs: 0 })
      database.defer(() => broker.close())
      const topic = uniqueTopic('checkout')

      // Another session holds the topic's head row, so the broker's publish waits on its connection.
      const holder = await database.store({ notify: false })
      const trx = await heldTransaction(database, new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool() }) }))
      await holder.append([{ topic, type: 'held', data: '{}' }], { transaction: trx })
      const publishing = broker.publish({ topic, type: 'n', payload: { n: 1 } })
      const failed = publishing.then(
        () => undefined,
        (error: unknown) => error,
      )
      const pid = await lockWaiter(database, applicationName) // the publish, waiting for the topic's lock
      await database.query('SELECT pg_terminate_backend($1)', [pid])

      const error = await failed
      expect(error).toBeInstanceOf(PublishFailedError)
      // The driver's error: the server's 57P01, or pg's own when the socket's end was read first.
      const cause = (error as PublishFailedError).cause as { code?: string; message?: string }
      expect(cause.code === '57P01' || cause.message === 'Connection terminated unexpectedly', String(cause)).toBe(true)
      await trx.rollback().execute()

      let next = await broker.publish({ topic, type: 'n', payload: { n: 2 } }).catch((error: unknown) => error)
      if (!form.ownCheckouts && next instanceof PublishFailedError) {
        next = await broker.publish({ topic, type: 'n', payload: { n: 2 } }) // the stale connection is gone now
      }
      const stored = next as StoredEvent
      expect(seqOf(stored.id), 'the failed append was not retried behind the lock').toBe(1)
      await until(() => reports.length > 0, 10_000, 'the dead connection reported')
      await broker.publish({ topic, type: 'n', payload: { n: 3 } })
      expect(reports.map((r) => r.source)).toEqual(['pool']) // once, however many times the client emitted
    })
  }
})
