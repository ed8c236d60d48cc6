/**
 * Streams over several topics, under random interleavings of publishes to four topics, slow
 * readers (a tiny queue, so topics overflow and catch up from the store), disconnects at random
 * points, and resumes with the last position over a changed topic set: each topic's delivered
 * sequence is exactly its committed sequence after the stream's position in it.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { StoredEvent, Subscription } from '../src/index.js'
import { checkInterleavings } from './helpers/interleavings.js'
import { take } from './helpers/wait.js'

const TOPICS = ['a', 'b', 'c', 'd'] as const
type Topic = (typeof TOPICS)[number]

type Command =
  | { kind: 'publish'; topics: Topic[] }
  | { kind: 'subscribe'; topics: Topic[] }
  | { kind: 'read'; sub: number; count: number }
  | { kind: 'disconnect'; sub: number }
  | { kind: 'resume'; sub: number; drop: Topic | null; add: Topic | null }

const topicSet = fc.uniqueArray(fc.constantFrom(...TOPICS), { minLength: 1, maxLength: 4 })
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('publish' as const),
      topics: fc.array(fc.constantFrom(...TOPICS), { minLength: 1, maxLength: 8 }),
    }),
  },
  fc.record({ kind: fc.constant('subscribe' as const), topics: topicSet }),
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('read' as const), sub: fc.nat({ max: 7 }), count: fc.integer({ min: 1, max: 10 }) }),
  },
  fc.record({ kind: fc.constant('disconnect' as const), sub: fc.nat({ max: 7 }) }),
  fc.record({
    kind: fc.constant('resume' as const),
    sub: fc.nat({ max: 7 }),
    drop: fc.option(fc.constantFrom(...TOPICS), { nil: null }),
    add: fc.option(fc.constantFrom(...TOPICS), { nil: null }),
  }),
)

interface Tracked {
  topics: Topic[]
  /** Per topic, the index in its log of the first event this stream must get. */
  start: Map<Topic, number>
  received: Map<Topic, StoredEvent[]>
  iterator: Subscription<StoredEvent>
  open: boolean
  /** The stream's position when it was disconnected. */
  position: string | undefined
}

describe('streams over several topics, under random interleavings', () => {
  it('each topic of each stream gets exactly its committed events after the stream position, across set changes', async () => {
    await checkInterleavings(
      command,
      { queueLimit: 3, batchSize: 4, pollIntervalMs: 60_000 },
      1_000,
      async (commands, broker) => {
        const log: Record<Topic, StoredEvent[]> = { a: [], b: [], c: [], d: [] }
        const subs: Tracked[] = []
        const open = async (topics: Topic[], start: Map<Topic, number>, after?: string) => {
          const iterator = broker.subscribe(topics, { after })
          await iterator.ready
          const received = new Map(topics.map((topic) => [topic, [] as StoredEvent[]]))
          subs.push({ topics, start, received, iterator, open: true, position: undefined })
        }
        const available = (sub: Tracked) =>
          sub.topics.reduce(
            (sum, topic) =>
              sum + log[topic].length - (sub.start.get(topic) as number) - (sub.received.get(topic) as StoredEvent[]).length,
            0,
          )
        const readUpTo = async (sub: Tracked, count: number) => {
          const n = Math.min(count, available(sub))
          if (n === 0) return
          for (const event of await take(sub.iterator, n, 2_000)) {
            sub.received.get(event.topic as Topic)?.push(event)
          }
        }
        for (const step of commands) {
          const sub = subs.length > 0 ? subs[('sub' in step ? step.sub : 0) % subs.length] : undefined
          if (step.kind === 'publish') {
            const stored = await broker.publish(step.topics.map((topic, i) => ({ topic, type: 'n', payload: { i } })))
            for (const event of stored) log[event.topic as Topic].push(event)
          } else if (step.kind === 'subscribe') {
            await open(step.topics, new Map(step.topics.map((topic) => [topic, log[topic].length])))
          } else if (step.kind === 'read' && sub?.open) {
            await readUpTo(sub, step.count)
          } else if (step.kind === 'disconnect' && sub?.open) {
            sub.position = sub.iterator.lastEventId
            sub.open = false
            await sub.iterator.return?.()
          } else if (step.kind === 'resume' && sub && !sub.open) {
            // The new set keeps the shared topics' positions; an added topic starts at its head.
            const topics = [...new Set([...sub.topics.filter((topic) => topic !== step.drop), ...(step.add ? [step.add] : [])])]
            // A one-topic position resumes that one topic (it is only an event id).
            if (topics.length === 0 || (topics.length === 1 && sub.topics.length === 1 && topics[0] !== sub.topics[0])) continue
            const heads = new Map(topics.map((topic) => [topic, log[topic].length]))
            if (sub.topics.length === 1 && topics.length > 1) {
              // A one-topic stream's position names no topic of a stream over several: every topic cannot
              // resume, and the app subscribes afresh (after refetching their state).
              await expect(broker.subscribe(topics, { after: sub.position }).ready).rejects.toMatchObject({
                code: 'CANNOT_RESUME',
                resets: topics.sort().map((topic) => ({ topic, reason: 'foreign' })),
              })
              await open(topics, heads)
              continue
            }
            const start = new Map(
              topics.map((topic) => [
                topic,
                sub.topics.includes(topic)
                  ? (sub.start.get(topic) as number) + (sub.received.get(topic) as StoredEvent[]).length
                  : (heads.get(topic) as number),
              ]),
            )
            await open(topics, start, sub.position)
          }
        }
        for (const sub of subs) {
          if (sub.open) await readUpTo(sub, Number.POSITIVE_INFINITY)
          for (const topic of sub.topics) {
            const start = sub.start.get(topic) as number
            const received = sub.received.get(topic) as StoredEvent[]
            const expected = log[topic].slice(start, start + received.length)
            expect(received.map((e) => e.id)).toEqual(expected.map((e) => e.id))
            if (sub.open) expect(received.length).toBe(log[topic].length - start)
          }
        }
      },
    )
  })
})
