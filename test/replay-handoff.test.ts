import { describe, expect, it } from 'vitest'
import { createBroker, type StoredEvent } from '../src/index.js'
import { mysqlStoreKinds } from './helpers/mysql.js'
import { storeKinds } from './helpers/stores.js'
import { positionAfter, streamShapes } from './helpers/stream-shapes.js'
import { take } from './helpers/wait.js'

describe.each([...storeKinds, ...mysqlStoreKinds()])('replay-to-live hand-off on the $name store', (kind) => {
  it.each(streamShapes)(
    'subscribers of $name joining with a position while events are being published get each event exactly once',
    async (shape) => {
      const { store, dispose } = await kind.make()
      const broker = createBroker(store, { batchSize: 16, queueLimit: 64, pollIntervalMs: 60_000 })
      const topics = shape.topics('h')
      try {
        const heads = await store.heads(topics)
        const logs = new Map(topics.map((topic) => [topic, [] as StoredEvent[]]))
        const logOf = (topic: string) => logs.get(topic) as StoredEvent[]
        const record = (event: StoredEvent) => logOf(event.topic).push(event)
        ;(
          await broker.publish(
            Array.from({ length: 50 }, (_, i) => ({ topic: topics[i % topics.length] as string, type: 'n', payload: { i } })),
          )
        ).forEach(record)
        let publishing = true
        const publisher = (async () => {
          for (let i = 50; publishing && i < 5_000; i++) {
            record(await broker.publish({ topic: topics[i % topics.length] as string, type: 'n', payload: { i } }))
          }
        })()
        const joiners = Array.from({ length: 30 }, async (_, k) => {
          await new Promise((resolve) => setTimeout(resolve, k * 3)) // staggered joins, while publishing
          // Each topic resumes after its own random point of its log (-1: from its head).
          const starts = topics.map((topic) => Math.floor(Math.random() * (logOf(topic).length + 1)) - 1)
          const ids = topics.map((topic, i) => logOf(topic)[starts[i] as number]?.id ?? (heads.get(topic) as string))
          const subscription = broker.subscribe(topics.length === 1 ? (topics[0] as string) : topics, {
            after: positionAfter(topics, ids),
          })
          await subscription.ready
          return { starts, subscription }
        })
        const joined = await Promise.all(joiners)
        publishing = false
        await publisher
        for (const { starts, subscription } of joined) {
          const expected = topics.map((topic, i) =>
            logOf(topic)
              .slice((starts[i] as number) + 1)
              .map((e) => e.id),
          )
          const total = expected.reduce((sum, ids) => sum + ids.length, 0)
          const received = await take(subscription, total, 20_000)
          const byTopic = topics.map((topic) => received.filter((e) => e.topic === topic).map((e) => e.id))
          expect(byTopic).toEqual(expected)
          await subscription.return?.()
        }
      } finally {
        await broker.close()
        await dispose()
      }
    },
    60_000,
  )
})
