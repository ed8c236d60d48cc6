/**
 * With a bus connected, the backstop of a store that cannot list what changed (as
 * `postgresStore({ notify: false })`) reads a share of the tailed topics per tick, every topic
 * within `BUS_PASS_TICKS` ticks, instead of all of them each tick; and a message the bus lost still
 * arrives, at the backstop. Counted at the store: the topics of each `readAfter` call.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Broker, createBroker, type EventStore, memoryStore, type Subscription } from '../src/index.js'
import { BUS_PASS_TICKS } from '../src/poller.js'
import { POLITE, UnrulyHub } from './helpers/unruly-bus.js'
import { take, until } from './helpers/wait.js'

const TOPICS = 1_000

/** The memory store without `changedTopics` or wake-ups, recording the topics of each `readAfter`. */
function countingStore(): { store: EventStore; asked: string[][] } {
  const inner = memoryStore()
  const asked: string[][] = []
  const store: EventStore = {
    append: (drafts, options) => inner.append(drafts, options),
    readAfter: (cursors, limit) => {
      asked.push(cursors.map((cursor) => cursor.topic))
      return inner.readAfter(cursors, limit)
    },
    heads: (topics) => inner.heads(topics),
    checkResume: (topic, id) => inner.checkResume(topic, id),
    isValidId: (id) => inner.isValidId(id),
    deleteBefore: (date) => inner.deleteBefore(date),
    positionOf: (id) => inner.positionOf?.(id),
    close: () => inner.close(),
  }
  return { store, asked }
}

async function subscribeAll(broker: Broker): Promise<Array<Subscription<unknown>>> {
  const subscriptions = Array.from({ length: TOPICS }, (_, i) => broker.subscribe(`t-${i}`))
  await Promise.all(subscriptions.map((subscription) => subscription.ready))
  return subscriptions as Array<Subscription<unknown>>
}

describe('the backstop with a bus connected', () => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  it(`reads a tenth of ${TOPICS} tailed topics per tick, and every topic within ${BUS_PASS_TICKS} ticks`, async () => {
    const { store, asked } = countingStore()
    const hub = new UnrulyHub(POLITE)
    const broker = createBroker(store, { pollIntervalMs: 20, wake: hub.bus() })
    cleanups.push(
      () => store.close(),
      () => hub.close(),
      () => broker.close(),
    )
    await subscribeAll(broker)
    await until(() => broker.stats().bus === 'connected', 5_000, 'the bus to connect')
    // The reads that follow attaching (and the bus's connect) come first; then only backstop ticks read.
    const start = asked.length
    await until(() => asked.length >= start + 3 * BUS_PASS_TICKS, 10_000, 'backstop reads')
    const ticks = asked.slice(start + BUS_PASS_TICKS, start + 2 * BUS_PASS_TICKS)
    for (const topics of ticks) expect(topics.length).toBeLessThanOrEqual(Math.ceil(TOPICS / BUS_PASS_TICKS))
    expect(new Set(ticks.flat()).size).toBe(TOPICS)
  })

  it('delivers an event whose bus message was lost, at the backstop', async () => {
    const { store, asked } = countingStore()
    const hub = new UnrulyHub({ ...POLITE, drop: 1 })
    const publisher = createBroker(store, { pollIntervalMs: 20, wake: hub.bus() })
    const receiver = createBroker(store, { pollIntervalMs: 20, wake: hub.bus() })
    cleanups.push(
      () => store.close(),
      () => hub.close(),
      () => publisher.close(),
      () => receiver.close(),
    )
    const subscriptions = await subscribeAll(receiver)
    await until(() => receiver.stats().bus === 'connected', 5_000, 'the bus to connect')
    const readsBefore = asked.length
    const published = await publisher.publish({ topic: `t-${TOPICS - 1}`, type: 'lost', payload: { n: 1 } })
    const [event] = await take(subscriptions[TOPICS - 1] as Subscription<unknown>, 1, 10_000)
    expect(event).toMatchObject({ id: published.id, topic: `t-${TOPICS - 1}`, type: 'lost' })
    expect(hub.dropped).toBeGreaterThan(0)
    expect(asked.length).toBeGreaterThan(readsBefore)
  })
})
