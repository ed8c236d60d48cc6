/**
 * The poller reads only what may have changed: with 10,000 topics tailed, the poll after one
 * publish asks the store for that topic alone (counted at the store), and a wake-up that never
 * arrives is covered by the backstop. On memory, on a real SQLite file (whose `data_version`
 * wake-ups name no topic: `changedTopics` must say which) and on the real Postgres server.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Broker, createBroker, type EventStore, memoryStore, type Subscription } from '../src/index.js'
import { SWEEP_SLICE } from '../src/sweep.js'
import { describePostgres } from './helpers/postgres.js'
import { sqliteForms } from './helpers/sqlite.js'
import { tempDir } from './helpers/stores.js'
import { take, until } from './helpers/wait.js'

/** A store that counts what the poller asks of it, optionally without wake-ups (a lost signal). */
interface CountingStore {
  store: EventStore
  /** The topics of each `readAfter` call, in order. */
  asked: string[][]
  /** `changedTopics` calls. */
  changes: number
  /** Wake-ups the underlying store gave. */
  wakes: number
  /** Reads in flight. */
  inFlight: number
}

function counting(inner: EventStore, { withWakes }: { withWakes: boolean }): CountingStore {
  const counted: CountingStore = { store: inner, asked: [], changes: 0, wakes: 0, inFlight: 0 }
  const track = async <T>(read: Promise<T>): Promise<T> => {
    counted.inFlight++
    try {
      return await read
    } finally {
      counted.inFlight--
    }
  }
  const store: EventStore = {
    append: (drafts, options) => inner.append(drafts, options),
    readAfter: (cursors, limit) => {
      counted.asked.push(cursors.map((cursor) => cursor.topic))
      return track(inner.readAfter(cursors, limit))
    },
    heads: (topics) => inner.heads(topics),
    checkResume: (topic, id) => inner.checkResume(topic, id),
    isValidId: (id) => inner.isValidId(id),
    deleteBefore: (date) => inner.deleteBefore(date),
    close: () => inner.close(),
  }
  if (inner.changedTopics) {
    const changedTopics = inner.changedTopics.bind(inner)
    store.changedTopics = (token) => {
      counted.changes++
      return track(changedTopics(token))
    }
  }
  if (withWakes && inner.onWake) {
    const onWake = inner.onWake.bind(inner)
    store.onWake = (listener) =>
      onWake((topic) => {
        counted.wakes++
        listener(topic)
      })
  }
  counted.store = store
  return counted
}

/** Resolves once the poller has nothing in flight, a few event-loop turns in a row. */
async function settled(counted: CountingStore): Promise<void> {
  for (let turn = 0; turn < 3; turn++) {
    await new Promise((resolve) => setImmediate(resolve))
    await until(() => counted.inFlight === 0, 10_000, 'the poller to settle')
  }
}

const TOPICS = 10_000

async function subscribeAll(broker: Broker, count: number): Promise<Array<Subscription<unknown>>> {
  const subscriptions = Array.from({ length: count }, (_, i) => broker.subscribe(`t-${i}`))
  await Promise.all(subscriptions.map((subscription) => subscription.ready))
  return subscriptions as Array<Subscription<unknown>>
}

/** The two behaviours, for one way of making a fresh store. */
function manyTopicSuite(open: () => Promise<EventStore>, closeStore = (store: EventStore) => store.close()): void {
  it(`reads only the published topic with ${TOPICS} topics tailed`, { timeout: 60_000 }, async () => {
    const inner = await open()
    const counted = counting(inner, { withWakes: true })
    const broker = createBroker(counted.store, { pollIntervalMs: 600_000 })
    try {
      const subscriptions = await subscribeAll(broker, TOPICS)
      expect(broker.stats().topics).toBe(TOPICS)
      // Let the reads that follow attaching (and the first changedTopics token) finish.
      await broker.publish({ topic: 't-0', type: 'marker', payload: {} })
      await take(subscriptions[0] as Subscription<unknown>, 1, 10_000)
      if (inner.onWake) await until(() => counted.wakes > 0, 10_000, 'the store to wake for the marker')
      await settled(counted)

      counted.asked = []
      const wakesBefore = counted.wakes
      const changesBefore = counted.changes
      await broker.publish({ topic: 't-5000', type: 'hello', payload: { n: 1 } })
      const [event] = await take(subscriptions[5000] as Subscription<unknown>, 1, 10_000)
      expect(event).toMatchObject({ topic: 't-5000', type: 'hello', payload: { n: 1 } })
      // The store's own wake-up for this commit (NOTIFY, data_version) must not cost a read of every topic either.
      if (inner.onWake) await until(() => counted.wakes > wakesBefore, 10_000, 'the store to wake for the publish')
      await settled(counted)
      expect(counted.asked.length).toBeGreaterThan(0)
      expect(new Set(counted.asked.flat())).toEqual(new Set(['t-5000']))
      // A wake-up without a topic (SQLite's data_version) was answered by asking what changed.
      if (inner.onWake && inner.changedTopics) expect(counted.changes).toBeGreaterThan(changesBefore)
      for (const subscription of subscriptions.slice(0, 3)) await subscription.return?.()
    } finally {
      await broker.close()
      await closeStore(inner)
    }
  })

  it('delivers an event whose wake-up was lost at the next backstop tick', { timeout: 60_000 }, async () => {
    const inner = await open()
    const counted = counting(inner, { withWakes: false })
    const broker = createBroker(counted.store, { pollIntervalMs: 200 })
    try {
      const subscriptions = await subscribeAll(broker, 1_000)
      // Appended behind the broker's back, and the store's wake-ups are not passed on: only the backstop can find it.
      await inner.append([{ topic: 't-500', type: 'quiet', data: '{"n":2}' }])
      const [event] = await take(subscriptions[500] as Subscription<unknown>, 1, 10_000)
      expect(event).toMatchObject({ topic: 't-500', type: 'quiet', payload: { n: 2 } })
    } finally {
      await broker.close()
      await closeStore(inner)
    }
  })
}

describe('many topics on memory', () => {
  manyTopicSuite(async () => memoryStore())
})

describe.each(sqliteForms)('many topics on SQLite ({ $name })', (form) => {
  const files = new Map<EventStore, () => Promise<void>>()
  manyTopicSuite(
    async () => {
      const temp = tempDir()
      const opened = form.open(join(temp.dir, 'events.db'))
      await opened.store.migrate()
      files.set(opened.store, async () => {
        await opened.close()
        temp.remove()
      })
      return opened.store
    },
    (store) => files.get(store)?.() ?? Promise.resolve(),
  )
})

describePostgres('many topics on Postgres', (database) => {
  let tables = 0
  manyTopicSuite(
    () => database.store({ tablePrefix: `many${++tables}_`, poolConfig: { max: 4 } }),
    async () => {},
  )

  it(`with NOTIFY, a backstop tick reads one slice of ${SWEEP_SLICE} topics, and still finds an event no NOTIFY announced`, {
    timeout: 60_000,
  }, async () => {
    const prefix = `many${++tables}_`
    const inner = await database.store({ tablePrefix: prefix, poolConfig: { max: 4 } })
    const silent = await database.store({ tablePrefix: prefix, notify: false }) // a publisher that never notifies
    const counted = counting(inner, { withWakes: true })
    const broker = createBroker(counted.store, { pollIntervalMs: 100 })
    try {
      const subscriptions = await subscribeAll(broker, TOPICS)
      await until(() => inner.listenerStatus() === 'listening', 10_000, 'the LISTEN connection')
      await settled(counted)
      counted.asked = []
      await silent.append([{ topic: `t-${TOPICS - 1}`, type: 'quiet', data: '{"n":3}' }])
      const [event] = await take(subscriptions[TOPICS - 1] as Subscription<unknown>, 1, 30_000)
      expect(event).toMatchObject({ topic: `t-${TOPICS - 1}`, type: 'quiet' })
      expect(counted.asked.length).toBeGreaterThan(1)
      expect(Math.max(...counted.asked.map((topics) => topics.length))).toBeLessThanOrEqual(SWEEP_SLICE)
    } finally {
      await broker.close()
    }
  })
})
