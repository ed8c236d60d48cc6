/**
 * The property test of `test/property.test.ts`, over many topics on SQLite: a broker tails 2,000
 * topics (1,000 one-topic subscriptions and 10 of 100) while random commits land, from this
 * broker and from a peer store on the same file (another process, as far as the broker can tell),
 * narrow or wider than `changedTopics` lists (over 1,000 topics), at random moments against the
 * `data_version` checks and polls. The backstop is a minute away: only wake-ups deliver. Every
 * subscription gets each of its topics' events once, in order.
 */
import { setMaxListeners } from 'node:events'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import type { EventRecord } from '../src/event.js'
import { createBroker, type StoredEvent, type Subscription } from '../src/index.js'
import { tempDir } from './helpers/stores.js'
import { until } from './helpers/wait.js'

const TOPICS = 2_000
const topicName = (i: number): string => `t-${i}`

interface Commit {
  /** Whether the broker publishes it, or the peer store appends it. */
  peer: boolean
  /** Topic indexes, one event each (repeats allowed: several events of a topic in one commit). */
  topics: number[]
  /** setImmediate turns to wait before the next commit. */
  pause: number
}

const commit: fc.Arbitrary<Commit> = fc.record({
  peer: fc.boolean(),
  topics: fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.nat({ max: TOPICS - 1 }), { minLength: 1, maxLength: 20 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_001, max: 1_500 }).map((count) => Array.from({ length: count }, (_, i) => i)) },
  ),
  pause: fc.nat({ max: 3 }),
})

/** Collects what one subscription yields, per topic, until it ends. */
function collect(subscription: Subscription<StoredEvent>, into: Map<string, string[]>): Promise<void> {
  return (async () => {
    for await (const event of subscription) into.set(event.topic, [...(into.get(event.topic) ?? []), event.id])
  })()
}

describe('exactly once, in order, over many topics on SQLite', () => {
  it(`every subscription gets its topics' events once, in order, with ${TOPICS} topics tailed`, { timeout: 90_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commit, { minLength: 1, maxLength: 10 }), async (commits) => {
        const temp = tempDir()
        const filename = join(temp.dir, 'events.db')
        const store = sqliteStore({ filename, dataVersionIntervalMs: 1 })
        const peer = sqliteStore({ filename })
        const broker = createBroker(store, { pollIntervalMs: 60_000, heartbeatMs: 0 })
        const received = new Map<string, string[]>()
        const loops: Promise<void>[] = []
        const subscriptions: Subscription<StoredEvent>[] = []
        const abort = new AbortController()
        setMaxListeners(TOPICS, abort.signal) // one signal ends every subscription
        try {
          await store.migrate()
          const names = Array.from({ length: TOPICS }, (_, i) => topicName(i))
          const half = TOPICS / 2
          const groups = [...names.slice(0, half).map((name) => [name])]
          for (let start = half; start < TOPICS; start += 100) groups.push(names.slice(start, start + 100))
          for (const group of groups)
            subscriptions.push(broker.subscribe(group.length === 1 ? (group[0] as string) : group, { signal: abort.signal }))
          await Promise.all(subscriptions.map((subscription) => subscription.ready))
          for (const subscription of subscriptions) loops.push(collect(subscription, received))

          const log: EventRecord[] = []
          for (const { peer: fromPeer, topics, pause } of commits) {
            const drafts = topics.map((i) => ({ topic: topicName(i), type: 'n', payload: { i } }))
            if (fromPeer) {
              log.push(...(await peer.append(drafts.map(({ topic, type }) => ({ topic, type, data: '{}' })))))
            } else {
              log.push(...(await broker.publish(drafts)).map((event) => ({ ...event, data: '{}' })))
            }
            for (let turn = 0; turn < pause; turn++) await new Promise((resolve) => setImmediate(resolve))
          }
          // A last commit to every topic written, from the peer: once each has arrived, so has all before it.
          const touched = [...new Set(log.map((record) => record.topic))]
          const sentinels = await peer.append(touched.map((topic) => ({ topic, type: 'sentinel', data: '{}' })))
          const last = new Map(sentinels.map((record) => [record.topic, record.id]))
          await until(() => touched.every((topic) => received.get(topic)?.at(-1) === last.get(topic)), 20_000, 'every sentinel')
          const expected = new Map<string, string[]>()
          for (const record of [...log, ...sentinels])
            expected.set(record.topic, [...(expected.get(record.topic) ?? []), record.id])
          expect(received).toEqual(expected)
        } finally {
          abort.abort()
          await broker.close()
          await Promise.all(loops)
          await Promise.all([store.close(), peer.close()])
          temp.remove()
        }
      }),
      { numRuns: 12, interruptAfterTimeLimit: 40_000 },
    )
  })
})
