/**
 * A bus that misbehaves (drops, duplicates, delays and reorders, shrinks messages to wake-ups)
 * costs latency, never an event or an order: brokers sharing one store stand for an app's
 * processes, two of them publish, all three deliver every event once, in per-topic order.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { type Broker, createBroker, type EventStore, memoryStore, type StoredEvent } from '../src/index.js'
import { mysqlStoreKinds } from './helpers/mysql.js'
import { type StoreKind, storeKinds, type TestStore } from './helpers/stores.js'
import { POLITE, UnrulyHub } from './helpers/unruly-bus.js'
import { until } from './helpers/wait.js'

type Events = { n: { publisher: number; i: number } }

const TOPICS = ['a', 'b.c', 'd *>', 'e']

/**
 * Counts `readAfter` calls, to tell deliveries the bus carried from those read from the store;
 * without the store's own wake-ups (SQLite's `data_version` check, NOTIFY), as with
 * `postgresStore({ notify: false })`: only the bus and the backstop make brokers read.
 */
function countingReads(store: EventStore): EventStore & { reads: number } {
  const counted = Object.assign(Object.create(store) as EventStore, { reads: 0, onWake: undefined })
  counted.readAfter = (cursors, limit) => {
    counted.reads++
    return store.readAfter(cursors, limit)
  }
  return counted
}

/** Every event each broker's subscription received, per topic, in arrival order. */
async function subscribeAll(brokers: Broker<Events>[]): Promise<Map<string, StoredEvent[]>[]> {
  return Promise.all(
    brokers.map(async (broker) => {
      const received = new Map<string, StoredEvent[]>(TOPICS.map((topic) => [topic, []]))
      const subscription = broker.subscribe(TOPICS)
      await subscription.ready
      void (async () => {
        try {
          for await (const event of subscription) received.get(event.topic)?.push(event)
        } catch {
          // The broker closed at the end of the test.
        }
      })()
      return received
    }),
  )
}

/**
 * Memory, SQLite and MySQL list what changed (`changedTopics`); this store does not, as
 * `postgresStore({ notify: false })`: with the bus connected its backstop reads a share of the
 * topics per tick, and must still find every dropped message.
 */
const unlisted: StoreKind = {
  name: 'memory without changedTopics',
  async make() {
    const store = memoryStore()
    return {
      store: Object.assign(Object.create(store) as EventStore, { changedTopics: undefined }),
      dispose: () => store.close(),
    }
  },
}

describe.each([...storeKinds, unlisted, ...mysqlStoreKinds()])('a bus between brokers on the $name store', (kind) => {
  const cleanups: Array<() => unknown> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })

  async function brokersOn(
    hub: UnrulyHub,
    pollIntervalMs: number,
  ): Promise<{ brokers: Broker<Events>[]; store: EventStore & { reads: number } }> {
    const made: TestStore = await kind.make()
    const store = countingReads(made.store)
    const brokers = Array.from({ length: 3 }, () => createBroker<Events>(store, { pollIntervalMs, wake: hub.bus() }))
    cleanups.push(
      () => made.dispose(),
      () => hub.close(),
      ...brokers.map((broker) => () => broker.close()),
    )
    return { brokers, store }
  }

  /** Publishes 150 events from each of the first two brokers, concurrently; returns each topic's ids in the store's order. */
  async function publishFromTwo(brokers: Broker<Events>[], store: EventStore): Promise<Map<string, string[]>> {
    const ids = new Map<string, string[]>(TOPICS.map((topic) => [topic, []]))
    await Promise.all(
      [0, 1].map(async (publisher) => {
        for (let i = 0; i < 150; i++) {
          const topic = TOPICS[(i * 7 + publisher) % TOPICS.length] as string
          const event = await (brokers[publisher] as Broker<Events>).publish({ topic, type: 'n', payload: { publisher, i } })
          ids.get(topic)?.push(event.id)
        }
      }),
    )
    const seq = (id: string) => store.positionOf?.(id)?.seq ?? Number.NaN
    for (const list of ids.values()) list.sort((x, y) => seq(x) - seq(y))
    return ids
  }

  /** Waits until every broker received every id of `ids`, then checks each got exactly them, in order. */
  async function expectExactly(received: Map<string, StoredEvent[]>[], ids: Map<string, string[]>): Promise<void> {
    const lastOf = [...ids].map(([topic, list]) => [topic, list.at(-1)] as const)
    await until(
      () => received.every((byTopic) => lastOf.every(([topic, last]) => byTopic.get(topic)?.at(-1)?.id === last)),
      10_000,
      'every broker to receive the last event of every topic',
    )
    for (const byTopic of received) {
      for (const [topic, list] of ids) expect(byTopic.get(topic)?.map((event) => event.id)).toEqual(list)
    }
  }

  it('delivers every event once, in per-topic order, in every broker, through drops, duplicates and reordering', async () => {
    const hub = new UnrulyHub({ drop: 0.2, duplicate: 0.2, headOnly: 0.1, maxDelayMs: 15 }, 7)
    const { brokers, store } = await brokersOn(hub, 200)
    const received = await subscribeAll(brokers)
    await expectExactly(received, await publishFromTwo(brokers, store))
    expect(hub.dropped).toBeGreaterThan(0)
    expect(hub.duplicated).toBeGreaterThan(0)
  })

  // The backstop is a minute away: what arrives comes by the bus. Stores whose ids give positions
  // (memory, MySQL: `epoch.seq` per topic) deliver from the messages; SQLite's ids (a global rowid) only
  // wake, and its brokers read.
  it('delivers across brokers through the bus, without a read per event where ids give positions', async () => {
    const hub = new UnrulyHub(POLITE)
    const { brokers, store } = await brokersOn(hub, 60_000)
    const received = await subscribeAll(brokers)
    const readsBefore = store.reads
    await expectExactly(received, await publishFromTwo(brokers, store))
    if (store.positionOf) expect(store.reads - readsBefore).toBeLessThan(30) // 300 events in 3 brokers: nearly all from the bus
    for (const broker of brokers) expect(broker.stats().bus).toBe('connected')
  })
})
