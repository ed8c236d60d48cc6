/**
 * Bad input and database errors at the broker on Postgres: a payload that is not JSON or is too
 * large is rejected with a typed error before any SQL runs (inside a caller's transaction too,
 * which stays usable); a database error rejects exactly the calls of the failing group commit with
 * `PublishFailedError` (the `pg` error as `cause`), nothing of it is delivered, and the broker
 * keeps serving.
 */
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { expect, it } from 'vitest'
import { postgresStore } from '../../adapters/postgres/index.js'
import { createBroker, InvalidEventError, PayloadTooLargeError, PublishFailedError } from '../../src/index.js'
import { describePostgres, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { httpServer } from '../helpers/servers.js'
import { recordingClient } from '../helpers/sse-client.js'
import { until } from '../helpers/wait.js'
import { pgBroker } from './helpers/broker.js'
import { collect } from './helpers/collect.js'
import { heldTransaction } from './helpers/transaction.js'

/** What a publish call settled to: its payload's `n` when fulfilled, or its error. */
type Outcome = { ok: true; n: number } | { ok: false; error: unknown }

describePostgres('broker: bad input and database errors', (database) => {
  const eventsTable = () => `"${database.schema}".durable_sse_events`
  /** Adds a NOT VALID check constraint to the events table; returns its removal (call it in `finally`). */
  const constrain = async (name: string, check: string) => {
    await database.query(`ALTER TABLE ${eventsTable()} ADD CONSTRAINT ${name} CHECK (${check}) NOT VALID`)
    return () => database.query(`ALTER TABLE ${eventsTable()} DROP CONSTRAINT IF EXISTS ${name}`)
  }

  it('rejects a payload that is not JSON or is over maxPayloadBytes before any SQL runs', async () => {
    const pool = database.newPool({ max: 3 })
    let acquired = 0
    pool.on('acquire', () => acquired++)
    let queries = 0
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: () => void queries++ })
    database.defer(() => db.destroy())
    const store = postgresStore({ db, pool, schema: database.schema, notify: false })
    database.defer(() => store.close())
    await store.migrate()
    const broker = createBroker(store, { maxPayloadBytes: 1_024, heartbeatMs: 0 })
    database.defer(() => broker.close())
    const topic = uniqueTopic('bad')
    const circular: Record<string, unknown> = { name: 'loop' }
    circular.self = circular
    const bad: Array<{ what: string; payload: unknown; error: typeof InvalidEventError | typeof PayloadTooLargeError }> = [
      { what: 'a bigint', payload: { n: 1n }, error: InvalidEventError },
      { what: 'a cycle', payload: circular, error: InvalidEventError },
      { what: 'undefined', payload: undefined, error: InvalidEventError },
      { what: 'a function', payload: () => 1, error: InvalidEventError },
      {
        what: 'a throwing toJSON',
        payload: {
          toJSON: () => {
            throw new Error('no')
          },
        },
        error: InvalidEventError,
      },
      { what: '1,025 bytes', payload: 'x'.repeat(1_023), error: PayloadTooLargeError },
      { what: 'multi-byte text over the limit', payload: { s: 'é'.repeat(600) }, error: PayloadTooLargeError },
    ]
    const good = { topic, type: 'n', payload: { ok: true } }
    const before = { acquired, queries }
    for (const { what, payload, error } of bad) {
      await expect(broker.publish({ topic, type: 'n', payload } as never), what).rejects.toBeInstanceOf(error)
      // In a batch, one bad event rejects the whole call.
      await expect(broker.publish([good, { topic, type: 'n', payload }] as never), what).rejects.toBeInstanceOf(error)
    }
    expect({ acquired, queries }).toEqual(before)

    const trx = await heldTransaction(database, db)
    const inTransaction = queries
    await expect(broker.publish({ topic, type: 'n', payload: circular }, { transaction: trx })).rejects.toBeInstanceOf(
      InvalidEventError,
    )
    await expect(broker.publish({ topic, type: 'n', payload: 'y'.repeat(2_000) }, { transaction: trx })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    )
    expect(queries).toBe(inTransaction)
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(trx)).rows).toEqual([{ one: 1 }]) // not aborted
    await trx.commit().execute()

    const epoch = (await store.heads([topic])).get(topic) as string
    expect(seqOf(epoch)).toBe(0) // nothing was written
    expect(seqOf((await broker.publish(good)).id)).toBe(1)
  })

  it('a database error rejects exactly the calls of its group commit; nothing of them is delivered; the broker carries on', async () => {
    const name = `dsse-batches-${process.pid}`
    const { broker, errors } = await pgBroker(
      database,
      { poolConfig: { max: 2, application_name: name } },
      { pollIntervalMs: 60_000 },
    )
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool({ max: 2 }) }) })
    database.defer(() => db.destroy())
    const topic = uniqueTopic('poison')
    const subscription = collect(broker, topic)
    await subscription.ready
    const server = await httpServer((req, res) => broker.handle(req, res, { topic }))
    database.defer(() => server.close())
    const publish = (n: number, poison = false) =>
      broker.publish({ topic, type: 'n', payload: poison ? { n, poison } : { n } }).then(
        (): Outcome => ({ ok: true, n }),
        (error: unknown): Outcome => ({ ok: false, error }),
      )
    /** Once the broker's append in flight waits for the held topic, runs `queue` (its calls form the next group commit). */
    const whileAppendWaits = async <T>(queue: () => T): Promise<T> => {
      await until(
        async () =>
          (
            await database.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [
              name,
            ])
          ).length === 1,
        10_000,
        "the broker's append to wait for the topic",
      )
      return queue()
    }
    /** Holds the topic's lock in a transaction (with a committed-later event `{ n: 0 }`). */
    const holdTopic = async () => {
      const trx = await heldTransaction(database, db)
      await broker.publish({ topic, type: 'n', payload: { n: 0 } }, { transaction: trx })
      return trx
    }

    const unconstrain = await constrain('no_poison', "data NOT LIKE '%poison%'")
    database.defer(unconstrain) // also dropped below; this covers a failure in between
    // 1. A poisoned call written alone fails alone: calls made while it was in flight form the next batch.
    let hold = await holdTopic()
    const alone = publish(1, true)
    const next = await whileAppendWaits(() => [publish(2), publish(3)])
    await hold.commit().execute()
    const failure = ((await alone) as { error: unknown }).error
    expect(failure).toBeInstanceOf(PublishFailedError)
    const cause = (failure as PublishFailedError).cause
    expect(cause).toBeInstanceOf(pg.DatabaseError)
    expect(cause).toMatchObject({ code: '23514', constraint: 'no_poison' })
    expect(await Promise.all(next)).toEqual([
      { ok: true, n: 2 },
      { ok: true, n: 3 },
    ])

    // 2. Calls made together while another is in flight share one transaction: one poisoned call fails them all.
    hold = await holdTopic()
    const first = publish(4)
    const batch = await whileAppendWaits(() => [publish(5), publish(6, true), publish(7)])
    await hold.commit().execute()
    expect(await first).toEqual({ ok: true, n: 4 })
    const outcomes = await Promise.all(batch)
    const batchFailure = (outcomes[1] as { error: unknown }).error
    expect(batchFailure).toBeInstanceOf(PublishFailedError)
    for (const outcome of outcomes) expect(outcome.ok ? outcome : outcome.error).toBe(batchFailure)

    await unconstrain()

    // Nothing of the failed calls was delivered, and the broker keeps serving: publishes, the subscriber, a new SSE connection.
    const after = await broker.publish({ topic, type: 'n', payload: { n: 8 } })
    expect(seqOf(after.id)).toBe(6) // 0, 2, 3, 0, 4, 8: the failed calls gave their positions back
    await subscription.until((events) => events.length === 6, 'the events that were written')
    expect(subscription.payloads()).toEqual([0, 2, 3, 0, 4, 8].map((n) => ({ n })))
    const client = recordingClient(server.url, ['n'], { lastEventId: subscription.events[0]?.id })
    database.defer(() => client.close())
    await client.until((received) => received.filter((m) => m.type === 'n').length === 5)
    expect(client.events().map((m) => JSON.parse(m.data).payload.n)).toEqual([2, 3, 0, 4, 8])
    expect(errors).toEqual([])
    await subscription.stop()
  })

  it('while the table refuses every write, each publish rejects; once it accepts again, publishing resumes', async () => {
    const { broker, errors } = await pgBroker(database, {}, { pollIntervalMs: 60_000 })
    const topic = uniqueTopic('outage')
    const subscription = collect(broker, topic)
    await subscription.ready
    const unconstrain = await constrain('refuse_all', 'false')
    database.defer(unconstrain)
    const failed = await Promise.allSettled([1, 2, 3].map((n) => broker.publish({ topic, type: 'n', payload: { n } })))
    await unconstrain()
    for (const result of failed) {
      expect(result.status).toBe('rejected')
      const reason = (result as PromiseRejectedResult).reason
      expect(reason).toBeInstanceOf(PublishFailedError)
      expect(reason.cause).toMatchObject({ code: '23514' })
    }
    const stored = await broker.publish([4, 5].map((n) => ({ topic, type: 'n', payload: { n } })))
    expect(stored.map((event) => seqOf(event.id))).toEqual([1, 2])
    await subscription.until((events) => events.length === 2, 'the events after the outage')
    expect(subscription.payloads()).toEqual([{ n: 4 }, { n: 5 }])
    expect(errors).toEqual([])
    await subscription.stop()
  })

  it("a database error inside the caller's transaction rejects with PublishFailedError, the pg error as cause", async () => {
    const { broker } = await pgBroker(database, { notify: false })
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: database.newPool({ max: 2 }) }) })
    database.defer(() => db.destroy())
    const topic = uniqueTopic('trx-poison')
    const unconstrain = await constrain('trx_poison', "data NOT LIKE '%poison%'")
    database.defer(unconstrain)
    const error = await db
      .transaction()
      .execute((trx) => broker.publish({ topic, type: 'n', payload: { poison: true } }, { transaction: trx }))
      .catch((rejection: unknown) => rejection)
    await unconstrain()
    // adapters/postgres/README.md ("Errors your transaction can get"): the broker wraps the driver's
    // error in PublishFailedError with the pg error (and its SQLSTATE) as `cause`, as it does outside
    // a transaction.
    expect(error).toBeInstanceOf(PublishFailedError)
    expect((error as PublishFailedError).cause).toMatchObject({ code: '23514', constraint: 'trx_poison' })
  })
})
