/**
 * DESIGN invariants 1, 2 and 5 across processes, for any store the fixtures can open (`stores.ts`):
 * 3 subscriber processes (an iterator, a slow iterator with a tiny queue that keeps falling back to
 * catch-up, an SSE client) and 4 writer processes mixing group-committed plain publishes with
 * transactions that linger and sometimes roll back. Every subscriber gets every committed event of
 * its topics exactly once, never a rolled-back one, with the id its writer was given, in the
 * topic's gap-free order, which is the real-time commit order: an event whose commit returned
 * before another's publish began comes first.
 */
import { expect } from 'vitest'
import type { Broker } from '../../../src/index.js'
import { seqOf, uniqueTopic } from '../../helpers/postgres.js'
import { type Fixture, type Message, startFixture, stopFixture } from './child.js'

const WRITERS = 4
const EVENTS_PER_WRITER = 150

interface Committed {
  marker: string
  topic: string
  id: string
  startedAt: bigint
  committedAt: bigint
}

/** The first event of `order` that committed before an earlier one in `order` began publishing, if any. */
function realTimeViolation(order: Committed[]): string | undefined {
  let laterMinCommit: Committed | undefined
  for (let i = order.length - 1; i >= 0; i--) {
    const event = order[i] as Committed
    if (laterMinCommit && laterMinCommit.committedAt < event.startedAt) {
      return `${laterMinCommit.marker} (${laterMinCommit.id}) committed before ${event.marker} (${event.id}) began, yet comes after it`
    }
    if (!laterMinCommit || event.committedAt < laterMinCommit.committedAt) laterMinCommit = event
  }
  return undefined
}

/** What the scenario needs: the fixtures' database settings, a broker on the same database (for the sentinels), and cleanup. */
export interface ManyProcessesSetup {
  /** Environment of every fixture: where its database is. */
  base: Record<string, string>
  /** Publishes the closing sentinels. */
  broker: Broker
  /** Runs a cleanup after the test file. */
  defer(cleanup: () => unknown): void
  /** More environment of the subscriber processes only (e.g. STORE_OPTIONS with a read replica). */
  subscriberEnv?: Record<string, string>
}

/** What the scenario saw: each subscriber's `stopped` message (its broker's stats), and how many events they received in all. */
export interface ManyProcessesOutcome {
  /** The subscribers' `stopped` messages, in the order iterator, slow, sse. */
  stopped: Message[]
  /** Events received by all subscribers together (sentinels included). */
  delivered: number
}

/** Runs the scenario and asserts what it proves. */
export async function manyProcesses({ base, broker, defer, subscriberEnv }: ManyProcessesSetup): Promise<ManyProcessesOutcome> {
  const run = uniqueTopic('mp')
  const topics = [0, 1, 2, 3].map((i) => `${run}-t${i}`)
  const [t0, t1, t2, t3] = topics as [string, string, string, string]

  const subscriberSpecs: Array<{ name: string; topics: string[]; env: Record<string, string> }> = [
    { name: 'iterator', topics: [t0, t1, t2, t3], env: { MODE: 'iterator' } },
    {
      name: 'slow',
      topics: [t0, t1, t2],
      env: { MODE: 'iterator', SLOW_PAUSES: '4', BROKER_OPTIONS: JSON.stringify({ batchSize: 7, queueLimit: 10 }) },
    },
    { name: 'sse', topics: [t1, t2, t3], env: { MODE: 'sse', TYPES: 'mark,sentinel' } },
  ]
  const subscribers = subscriberSpecs.map((spec) => ({
    ...spec,
    fixture: startFixture('subscriber', { ...base, ...subscriberEnv, ...spec.env, TOPICS: spec.topics.join(',') }),
  }))
  for (const { fixture } of subscribers) defer(() => stopFixture(fixture))
  await Promise.all(subscribers.map(({ fixture }) => fixture.message((m) => m.kind === 'ready', 'ready')))

  const writers: Fixture[] = Array.from({ length: WRITERS }, (_, i) =>
    startFixture('writer', {
      ...base,
      NAME: `w${i}`,
      TOPICS: topics.join(','),
      EVENTS: String(EVENTS_PER_WRITER),
      MAX_SLEEP_MS: '20',
      ROLLBACK: '0.25',
    }),
  )
  for (const writer of writers) defer(() => stopFixture(writer))
  await Promise.all(writers.map((writer) => writer.message((m) => m.kind === 'ready', 'ready')))
  for (const writer of writers) writer.send({ kind: 'go' })
  await Promise.all(writers.map((writer) => writer.message((m) => m.kind === 'done', 'done', 45_000)))
  expect((await Promise.all(writers.map((writer) => writer.exited))).map((exit) => exit.code)).toEqual([0, 0, 0, 0])

  const committed: Committed[] = writers.flatMap((writer) =>
    writer.messages
      .filter((m) => m.kind === 'committed')
      .map((m) => ({
        marker: m.marker as string,
        topic: m.topic as string,
        id: m.id as string,
        startedAt: BigInt(m.startedAt as string),
        committedAt: BigInt(m.committedAt as string),
      })),
  )
  const rolledBack = new Set(
    writers.flatMap((w) => w.messages.filter((m) => m.kind === 'rolledBack').map((m) => m.marker as string)),
  )
  expect(committed.length + rolledBack.size).toBeGreaterThanOrEqual(WRITERS * EVENTS_PER_WRITER)
  expect(rolledBack.size).toBeGreaterThan(0)

  // Each topic's committed events, in position order: gap-free from 1 (rolled-back positions were given back).
  const expected = new Map<string, Committed[]>()
  for (const topic of topics) {
    const order = committed.filter((c) => c.topic === topic).sort((a, b) => seqOf(a.id) - seqOf(b.id))
    expect(
      order.map((c) => seqOf(c.id)),
      topic,
    ).toEqual(order.map((_, i) => i + 1))
    expect(realTimeViolation(order), topic).toBeUndefined()
    expected.set(topic, order)
  }
  // The writers really interleaved on each topic.
  for (const order of expected.values()) {
    const writerChanges = order.filter((c, i) => i > 0 && c.marker.split('-')[0] !== order[i - 1]?.marker.split('-')[0])
    expect(writerChanges.length).toBeGreaterThan(10)
  }

  // One sentinel per topic, in one call, after every writer finished: once a subscriber has it,
  // everything before it in the topic has been delivered (and nothing else may follow).
  const sentinels = await broker.publish(topics.map((topic) => ({ topic, type: 'sentinel', payload: { marker: 'sentinel' } })))
  const sentinelIds = new Map(sentinels.map((s) => [s.topic, s.id]))
  const hasSentinels = (spec: { topics: string[] }) => (messages: Message[]) =>
    spec.topics.every((topic) => messages.some((m) => m.kind === 'event' && m.topic === topic && m.type === 'sentinel'))
  await Promise.all(subscribers.map((s) => s.fixture.until(hasSentinels(s), 'every sentinel', 30_000)))
  for (const { fixture } of subscribers) fixture.send({ kind: 'stop' })
  const stopped = await Promise.all(subscribers.map(({ fixture }) => fixture.message((m) => m.kind === 'stopped', 'stopped')))
  if (process.env.DSSE_TRACE) console.info(JSON.stringify({ writers: writers.map((w) => w.messages.at(-1)), stopped }))
  expect(stopped[1]?.lagged, 'the slow subscriber fell behind and caught up from the store').toBeGreaterThan(0)

  const seenOrders = new Map<string, string[][]>()
  for (const { name, topics: mine, fixture } of subscribers) {
    expect(
      fixture.messages.filter((m) => m.kind === 'brokerError' || m.kind === 'storeError'),
      name,
    ).toEqual([])
    for (const topic of mine) {
      const received = fixture.messages.filter((m) => m.kind === 'event' && m.topic === topic)
      const ids = received.map((m) => m.id as string)
      const want = [...(expected.get(topic) ?? []).map((c) => c.id), sentinelIds.get(topic)]
      expect(ids, `${name} ${topic}: ids in order, once each`).toEqual(want)
      const markers = received.map((m) => (m.payload as { marker: string }).marker)
      expect(markers, `${name} ${topic}: payloads`).toEqual([...(expected.get(topic) ?? []).map((c) => c.marker), 'sentinel'])
      expect(
        markers.filter((marker) => rolledBack.has(marker)),
        `${name} ${topic}: rolled back`,
      ).toEqual([])
      seenOrders.set(topic, [...(seenOrders.get(topic) ?? []), markers])
    }
  }
  for (const [topic, orders] of seenOrders) {
    expect(orders.length, topic).toBeGreaterThanOrEqual(2)
    for (const order of orders) expect(order, `subscribers agree on ${topic}`).toEqual(orders[0])
  }
  const delivered = subscribers.reduce((sum, { fixture }) => sum + fixture.messages.filter((m) => m.kind === 'event').length, 0)
  return { stopped, delivered }
}
