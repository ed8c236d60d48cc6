import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { StoredEvent, Subscription } from '../src/index.js'
import { checkInterleavings } from './helpers/interleavings.js'
import { take } from './helpers/wait.js'

const topics = ['a', 'b'] as const
type Topic = (typeof topics)[number]

type Command =
  | { kind: 'publish'; topic: Topic; count: number }
  | { kind: 'subscribe'; topic: Topic; from: number | null }
  | { kind: 'read'; sub: number; count: number }
  | { kind: 'disconnect'; sub: number }
  | { kind: 'resume'; sub: number }

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), topic: fc.constantFrom(...topics), count: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    kind: fc.constant('subscribe' as const),
    topic: fc.constantFrom(...topics),
    from: fc.option(fc.nat({ max: 40 }), { nil: null }),
  }),
  fc.record({ kind: fc.constant('read' as const), sub: fc.nat({ max: 7 }), count: fc.integer({ min: 1, max: 10 }) }),
  fc.record({ kind: fc.constant('disconnect' as const), sub: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('resume' as const), sub: fc.nat({ max: 7 }) }),
)

interface Tracked {
  topic: Topic
  /** Index in the topic's log of the first event this subscriber must get. */
  start: number
  received: StoredEvent[]
  iterator: Subscription<StoredEvent>
  open: boolean
}

describe('exactly once, in order, under random interleavings', () => {
  it('every subscriber gets its topic from its start point, contiguous, no duplicates', async () => {
    // Tiny queue and pages, so slow readers overflow and catch up from the store.
    await checkInterleavings(
      command,
      { queueLimit: 3, batchSize: 2, pollIntervalMs: 60_000 },
      500,
      async (commands, broker, store) => {
        const log: Record<Topic, StoredEvent[]> = { a: [], b: [] }
        const heads = await store.heads(topics)
        /** The id to resume after for a subscriber whose first event is `log[topic][start]`. */
        const idBefore = (topic: Topic, start: number) => (start === 0 ? heads.get(topic) : log[topic][start - 1]?.id)
        const subs: Tracked[] = []
        const subscribe = async (topic: Topic, start: number) => {
          const iterator = broker.subscribe(topic, { after: idBefore(topic, start) })
          await iterator.ready
          subs.push({ topic, start, received: [], iterator, open: true })
        }
        const readUpTo = async (sub: Tracked, count: number) => {
          const available = log[sub.topic].length - sub.start - sub.received.length
          const n = Math.min(count, available)
          if (n > 0) sub.received.push(...(await take(sub.iterator, n, 2_000)))
        }
        for (const step of commands) {
          const sub = subs.length > 0 ? subs[('sub' in step ? step.sub : 0) % subs.length] : undefined
          if (step.kind === 'publish') {
            const events = Array.from({ length: step.count }, (_, i) => ({ topic: step.topic, type: 'n', payload: { i } }))
            log[step.topic].push(...(await broker.publish(events)))
          } else if (step.kind === 'subscribe') {
            // Without `from`: live from the head. With it: resume after that point of the log.
            if (step.from === null) {
              const iterator = broker.subscribe(step.topic)
              await iterator.ready
              subs.push({ topic: step.topic, start: log[step.topic].length, received: [], iterator, open: true })
            } else {
              await subscribe(step.topic, Math.min(step.from, log[step.topic].length))
            }
          } else if (step.kind === 'read' && sub?.open) {
            await readUpTo(sub, step.count)
          } else if (step.kind === 'disconnect' && sub?.open) {
            sub.open = false
            await sub.iterator.return?.()
          } else if (step.kind === 'resume' && sub && !sub.open) {
            await subscribe(sub.topic, sub.start + sub.received.length)
          }
        }
        for (const sub of subs) {
          if (sub.open) await readUpTo(sub, Number.POSITIVE_INFINITY)
          const expected = log[sub.topic].slice(sub.start, sub.start + sub.received.length)
          expect(sub.received.map((e) => e.id)).toEqual(expected.map((e) => e.id))
          if (sub.open) expect(sub.received.length).toBe(log[sub.topic].length - sub.start)
        }
      },
    )
  })
})
