import { describe, expect, it } from 'vitest'
import { createBroker, type StoredEvent } from '../src/index.js'
import { storeKinds } from './helpers/stores.js'
import { take } from './helpers/wait.js'

describe.each(storeKinds)('replay-to-live hand-off on the $name store', (kind) => {
  it('subscribers joining with an id while events are being published get each event exactly once', async () => {
    const { store, dispose } = await kind.make()
    const broker = createBroker(store, { batchSize: 16, queueLimit: 64, pollIntervalMs: 60_000 })
    try {
      const log: StoredEvent[] = await broker.publish(
        Array.from({ length: 50 }, (_, i) => ({ topic: 'h', type: 'n', payload: { i } })),
      )
      let publishing = true
      const publisher = (async () => {
        for (let i = 50; publishing && i < 5_000; i++) log.push(await broker.publish({ topic: 'h', type: 'n', payload: { i } }))
      })()
      const joiners = Array.from({ length: 30 }, async (_, k) => {
        await new Promise((resolve) => setTimeout(resolve, k * 3)) // staggered joins, while publishing
        const start = Math.floor(Math.random() * log.length)
        const subscription = broker.subscribe('h', { after: log[start]?.id })
        await subscription.ready
        return { start, subscription }
      })
      const joined = await Promise.all(joiners)
      publishing = false
      await publisher
      for (const { start, subscription } of joined) {
        const expected = log.slice(start + 1).map((e) => e.id)
        const received = (await take(subscription, expected.length, 20_000)).map((e) => e.id)
        expect(received).toEqual(expected)
        await subscription.return?.()
      }
    } finally {
      await broker.close()
      await dispose()
    }
  }, 60_000)
})
