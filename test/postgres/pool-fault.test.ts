/**
 * The store's pooled connections terminated by the server (failover, idle timeout, an admin) while
 * a subscriber is open: reported to `onError`, never a crash; the broker keeps polling and
 * publishing on fresh connections and the subscriber misses nothing.
 */
import { expect, it } from 'vitest'
import { describePostgres, uniqueTopic } from '../helpers/postgres.js'
import { until } from '../helpers/wait.js'
import { pgBroker } from './helpers/broker.js'
import { collect } from './helpers/collect.js'

describePostgres('broker: pooled connections terminated', (database) => {
  it('reports the dropped connections and keeps delivering and publishing', async () => {
    const name = `dsse-pool-${process.pid}`
    const storeErrors: Array<{ error: unknown; source: string }> = []
    const { broker } = await pgBroker(
      database,
      { poolConfig: { max: 2, application_name: name }, onError: (error, source) => void storeErrors.push({ error, source }) },
      { pollIntervalMs: 300 }, // a failed poll is retried at the next wake-up or backstop tick
    )
    const { broker: publisher } = await pgBroker(database)
    const topic = uniqueTopic('pool')
    const subscription = collect(broker, topic)
    await subscription.ready
    await publisher.publish({ topic, type: 'n', payload: { n: 0 } })
    await subscription.until((events) => events.length === 1, 'the first event')

    const killed = await database.query<{ pid: number }>(
      'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name = $1',
      [name],
    )
    expect(killed.length).toBeGreaterThan(0)
    await until(() => storeErrors.some((e) => e.source === 'pool'), 10_000, 'the pool to report the dropped connections')

    for (let n = 1; n <= 5; n++) await publisher.publish({ topic, type: 'n', payload: { n } })
    const own = await broker.publish({ topic, type: 'n', payload: { n: 6 } }) // through the pool that lost its connections
    expect(own.id).toBeDefined()
    await subscription.until((events) => events.length === 7, 'every event after the drop', 10_000)
    expect(subscription.payloads()).toEqual(Array.from({ length: 7 }, (_, n) => ({ n })))
    expect(storeErrors.every((e) => e.source === 'pool')).toBe(true)
    await subscription.stop()
  })
})
