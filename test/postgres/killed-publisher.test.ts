/**
 * A publisher process SIGKILLed in the middle of its transaction: the server rolls it back and
 * releases the topic, the publisher queued behind it proceeds (with the position the dead one had
 * drawn), publishers of other topics never waited, and subscribers never see the phantom.
 */
import { expect, it } from 'vitest'
import { describePostgres, lockWaiter, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { until } from '../helpers/wait.js'
import { pgBroker } from './helpers/broker.js'
import { startFixture, stopFixture } from './helpers/child.js'
import { collect } from './helpers/collect.js'

describePostgres('broker: a publisher process killed mid-transaction', (database) => {
  it('releases its lock; the queued publisher proceeds; nothing phantom is delivered', async () => {
    const name = `dsse-queued-${process.pid}`
    const { broker: subscriberBroker } = await pgBroker(database, {}, { pollIntervalMs: 60_000 })
    const { broker: publisher } = await pgBroker(database, { poolConfig: { max: 2, application_name: name } })
    const [topic, other] = [uniqueTopic('held'), uniqueTopic('other')]
    const held = collect(subscriberBroker, topic)
    const others = collect(subscriberBroker, other)
    await Promise.all([held.ready, others.ready])

    const fixture = startFixture('hold-transaction', { DATABASE_URL: database.url, SCHEMA: database.schema, TOPIC: topic })
    database.defer(() => stopFixture(fixture))
    const holding = await fixture.message((m) => m.kind === 'holding', 'the publish inside its transaction')
    expect(seqOf(holding.id as string)).toBe(1)

    const queued = publisher.publish({ topic, type: 'step', payload: { name: 'survivor' } })
    await lockWaiter(database, name) // the second publisher, queued for the topic
    // Other topics never wait for the held one.
    await subscriberBroker.publish({ topic: other, type: 'step', payload: { name: 'unblocked' } })
    await others.until((events) => events.length === 1, 'the other topic')
    expect(held.events).toEqual([])

    fixture.process.kill('SIGKILL')
    expect((await fixture.exited).signal).toBe('SIGKILL')
    const survivor = await queued
    expect(seqOf(survivor.id)).toBe(1) // the phantom's position was rolled back and reused
    await held.until((events) => events.length === 1, 'the survivor')
    // A marker after the survivor: anything the phantom could have become would be here by now.
    const marker = await publisher.publish({ topic, type: 'step', payload: { name: 'marker' } })
    await held.until((events) => events.length === 2, 'the marker')
    expect(held.events.map((e) => [e.id, e.payload])).toEqual([
      [survivor.id, { name: 'survivor' }],
      [marker.id, { name: 'marker' }],
    ])
    await until(
      async () => (await database.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [holding.pid])).length === 0,
      10_000,
      "the killed publisher's backend to end",
    )
    await Promise.all([held.stop(), others.stop()])
  })
})
