/**
 * The LISTEN connection's backend killed with `pg_terminate_backend` while a subscriber is open:
 * events committed before, during and after the outage (by another store) all arrive, once, in
 * order; during the outage through the faster fallback polling, or, with that off, through the
 * catch-up poll after the reconnect; afterwards through NOTIFY on the new connection.
 */
import { expect, it } from 'vitest'
import type { PostgresStore, PostgresStoreOptions } from '../../adapters/postgres/index.js'
import { backendPid, describePostgres, uniqueTopic } from '../helpers/postgres.js'
import { until } from '../helpers/wait.js'
import { pgBroker } from './helpers/broker.js'
import { collect } from './helpers/collect.js'

/** The name of this file's LISTEN connections. */
const listenerName = `dsse-listener-fault-${process.pid}`

/** Resolves once the store's listener reports `status` (the store has no event for it). */
const listenerIs = (store: PostgresStore, status: string) =>
  until(() => store.listenerStatus() === status, 10_000, `the listener to be ${status}`)

describePostgres('broker: LISTEN connection killed', (database) => {
  const setup = async (storeOptions: Partial<PostgresStoreOptions>) => {
    const listenerErrors: unknown[] = []
    const subscriberSide = await pgBroker(
      database,
      {
        listen: { connectionString: database.url, application_name: listenerName },
        reconnectMinMs: 1_500, // an outage of 0.75-1.5 s
        onError: (error) => listenerErrors.push(error),
        ...storeOptions,
      },
      { pollIntervalMs: 60_000 }, // the backstop never helps within the test
    )
    const { broker: publisher } = await pgBroker(database) // another store, another pool
    const topic = uniqueTopic('outage')
    const subscription = collect(subscriberSide.broker, topic)
    await subscription.ready
    await listenerIs(subscriberSide.store, 'listening')
    let n = 0
    const publish = () => publisher.publish({ topic, type: 'n', payload: { n: n++ } })
    return { ...subscriberSide, listenerErrors, publish, subscription }
  }

  const outage = async (fallbackPollMs: number) => {
    const { store, errors, listenerErrors, publish, subscription } = await setup({ fallbackPollMs })
    const pid = await backendPid(database, listenerName)
    const before = [await publish(), await publish()]
    await subscription.until((events) => events.length === 2, 'events before the outage', 2_000)

    await database.query('SELECT pg_terminate_backend($1)', [pid])
    await listenerIs(store, 'down')
    const during = []
    for (let i = 0; i < 10; i++) during.push(await publish())
    expect(store.listenerStatus(), 'published during the outage').toBe('down')
    await subscription.until((events) => events.length === 12, 'events published during the outage', 10_000)

    await listenerIs(store, 'listening')
    expect(await backendPid(database, listenerName, pid)).not.toBe(pid)
    const after = []
    for (let i = 0; i < 5; i++) {
      after.push(await publish())
      // Only NOTIFY on the new connection delivers this fast (no fallback polling once listening).
      await subscription.until((events) => events.length === 13 + i, `event ${i} after the reconnect`, 1_500)
    }
    expect(subscription.events.map((e) => e.id)).toEqual([...before, ...during, ...after].map((e) => e.id))
    expect(subscription.payloads()).toEqual(Array.from({ length: 17 }, (_, n) => ({ n })))
    expect(listenerErrors.length).toBeGreaterThan(0)
    expect(errors).toEqual([])
    await subscription.stop()
  }

  it('delivers what was published during the outage through fallback polling, then NOTIFY again', () => outage(100))

  it('with no fallback polling, the catch-up poll after the reconnect delivers the outage', () => outage(60_000))
})
