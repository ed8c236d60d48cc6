import { describe, expect, it } from 'vitest'
import { CannotResumeError, createBroker, type StoredEvent } from '../src/index.js'
import { storeKinds } from './helpers/stores.js'

const turns = (n: number) =>
  new Promise<void>((resolve) => {
    let left = n
    const step = () => (left-- <= 0 ? resolve() : setImmediate(step))
    step()
  })

describe.each(storeKinds)('retention while a client resumes, on the $name store', (kind) => {
  it('the client gets either every missed event or a reset, never a silent gap', async () => {
    let resets = 0
    let complete = 0
    for (let round = 0; round < 40; round++) {
      const { store, dispose } = await kind.make()
      const broker = createBroker(store, { batchSize: 7, queueLimit: 20, pollIntervalMs: 60_000 })
      try {
        const published = await broker.publish(Array.from({ length: 120 }, (_, i) => ({ topic: 't', type: 'n', payload: { i } })))
        const from = round % 30
        const subscription = broker.subscribe('t', { after: (published[from] as StoredEvent).id })
        const received: string[] = []
        const reading = (async () => {
          for await (const event of subscription) {
            received.push(event.id)
            if (received.length === published.length - from - 1) return 'complete'
          }
          return 'ended'
        })().catch((error) => {
          if (error instanceof CannotResumeError) return 'reset'
          throw error
        })
        await turns(round % 13)
        await store.deleteBefore(new Date(Date.now() + 60_000)) // prune everything published so far
        const outcome = await reading
        const expected = published.slice(from + 1, from + 1 + received.length).map((e) => e.id)
        expect(received).toEqual(expected) // contiguous from the resume point, whatever happened next
        if (outcome === 'reset') resets++
        else {
          expect(outcome).toBe('complete')
          complete++
        }
      } finally {
        await broker.close()
        await dispose()
      }
    }
    // Both outcomes happened, so the race was really exercised.
    expect(resets).toBeGreaterThan(0)
    expect(complete).toBeGreaterThan(0)
  }, 60_000)
})
