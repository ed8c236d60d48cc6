/**
 * A database fault under load, as the fault tests reproduce it: two publisher processes at 200
 * events/s each and one subscriber process, all on their stores' own pools; then, once the
 * database is back, more acknowledged publishes, a sentinel, and every invariant checked: no
 * process exits; every acknowledged event is delivered once, in order, with the id its publisher
 * was given, to every way the subscriber receives (iterators, SSE); an event whose publish
 * rejected may have committed (the answer was lost), and if it did it is delivered once, in order,
 * too; nothing is delivered that was never published; delivery resumes within a bound.
 */
import { expect } from 'vitest'
import { type PostgresTestDatabase, seqOf, uniqueTopic } from '../../helpers/postgres.js'
import { pgBroker } from './broker.js'
import { type Fixture, type Message, startFixture, stopFixture } from './child.js'
import { elapsedMs } from './latency.js'

/** Events per second of each publisher. */
const RATE = 200
const WRITERS = ['a', 'b']

/** The monotonic clock, as the fixtures stamp their messages. */
export const now = (): string => process.hrtime.bigint().toString()

/** How a run's processes are set up. */
export interface RunOptions {
  /** How the subscriber receives: `broker.subscribe()` iterators, or those and SSE clients. */
  mode: 'iterator' | 'both'
  /** The store options of a process (`role`: `sub`, `pub-a`, `pub-b`). */
  storeOptions: (role: string) => Record<string, unknown>
  /** Whether an iterator whose subscription fails subscribes again after its last event (else the failure fails the run). */
  resubscribe?: boolean
}

/** The processes of a run, all connected to `url`. */
export async function startRun(database: PostgresTestDatabase, url: string, options: RunOptions) {
  const topic = uniqueTopic('fault')
  const base = { DATABASE_URL: url, SCHEMA: database.schema, TOPIC: topic, TOPICS: topic }
  const subscriber = startFixture('subscriber', {
    ...base,
    MODE: options.mode,
    TYPES: 'n',
    RESUBSCRIBE: options.resubscribe ? '1' : '0',
    WAIT_LISTENING: '1',
    STORE_OPTIONS: JSON.stringify(options.storeOptions('sub')),
  })
  database.defer(() => stopFixture(subscriber))
  await subscriber.message((m) => m.kind === 'ready', 'the subscriber ready')
  const publishers = WRITERS.map((writer) =>
    startFixture('publisher', {
      ...base,
      NAME: writer,
      RATE: String(RATE),
      STORE_OPTIONS: JSON.stringify(options.storeOptions(`pub-${writer}`)),
    }),
  )
  for (const publisher of publishers) database.defer(() => stopFixture(publisher))
  await Promise.all(publishers.map((p) => p.message((m) => m.kind === 'ready', 'a publisher ready')))
  for (const publisher of publishers) publisher.send({ kind: 'go' })
  const vias = options.mode === 'both' ? ['iterator', 'sse'] : ['iterator']
  const events = (via: string) => subscriber.messages.filter((m) => m.kind === 'event' && m.via === via)
  await subscriber.until(() => vias.every((via) => events(via).length >= 200), 'steady delivery before the fault')
  return { topic, subscriber, publishers, vias, events }
}

/** A started run. */
export type Run = Awaited<ReturnType<typeof startRun>>

/** What {@link finishRun} found. */
export interface RunOutcome {
  /** Publishes acknowledged. */
  acked: number
  /** Publishes rejected. */
  rejected: number
  /** Of the rejected, how many committed all the same. */
  rejectedButCommitted: number
  /** Per way of receiving, ms from the database's return to the first event delivered after it. */
  resumedAfterMs: Record<string, number>
}

/** After the database is back (at `returnedAt`): more acknowledged publishes, a sentinel, and every invariant checked. */
export async function finishRun(database: PostgresTestDatabase, run: Run, returnedAt: string): Promise<RunOutcome> {
  const { topic, subscriber, publishers, vias, events } = run
  const ackedSince = (publisher: Fixture) =>
    publisher.messages.filter((m) => m.kind === 'acked' && BigInt(m.at as string) > BigInt(returnedAt)).length
  await Promise.all(publishers.map((p) => p.until(() => ackedSince(p) >= 100, 'publishes acknowledged again', 30_000)))
  for (const fixture of [subscriber, ...publishers]) expect(fixture.process.exitCode, 'still running').toBeNull()
  for (const publisher of publishers) publisher.send({ kind: 'stop' })
  await Promise.all(publishers.map((p) => p.message((m) => m.kind === 'done', 'every publish settled', 30_000)))
  expect((await Promise.all(publishers.map((p) => p.exited))).map((e) => e.code)).toEqual([0, 0])

  // Once the sentinel (published after every publisher stopped) is delivered, so is everything before it.
  const { broker } = await pgBroker(database)
  const sentinel = await broker.publish({ topic, type: 'n', payload: { writer: 'sentinel', n: 0 } })
  for (const via of vias) {
    await subscriber.until(() => events(via).some((m) => m.id === sentinel.id), `the sentinel (${via})`, 30_000)
  }
  subscriber.send({ kind: 'stop' })
  await subscriber.message((m) => m.kind === 'stopped', 'the subscriber stopped')
  expect((await subscriber.exited).code).toBe(0)

  const key = (m: Message) => {
    const { writer, n } = m.payload as { writer: string; n: number }
    return `${writer}:${n}`
  }
  const acked = new Map<string, string>()
  const rejected = new Set<string>()
  for (const [i, publisher] of publishers.entries()) {
    for (const m of publisher.messages) {
      if (m.kind === 'acked') acked.set(`${WRITERS[i]}:${m.n}`, m.id as string)
      if (m.kind === 'rejected') rejected.add(`${WRITERS[i]}:${m.n}`)
    }
  }
  const resumedAfterMs: Record<string, number> = {}
  let committed = new Set<string>()
  for (const via of vias) {
    const delivered = events(via)
    const seqs = delivered.map((m) => seqOf(m.id as string))
    expect(seqs, `${via}: gap-free positions from 1, each once, in order`).toEqual(seqs.map((_, i) => i + 1))
    expect(delivered.at(-1)?.id).toBe(sentinel.id)
    const keys = delivered.slice(0, -1).map(key)
    expect(new Set(keys).size, `${via}: each event once`).toBe(keys.length)
    const deliveredIds = new Map(delivered.map((m) => [key(m), m.id as string]))
    const lost = [...acked].filter(([k, id]) => deliveredIds.get(k) !== id)
    expect(lost, `${via}: every acknowledged event delivered with its id`).toEqual([])
    expect(
      keys.filter((k) => !acked.has(k) && !rejected.has(k)),
      `${via}: nothing delivered that was never published`,
    ).toEqual([])
    for (const writer of WRITERS) {
      const order = keys.filter((k) => k.startsWith(`${writer}:`)).map((k) => Number(k.split(':')[1]))
      expect(
        order.every((n, i) => i === 0 || n > (order[i - 1] as number)),
        `${via}, ${writer}: in publish order`,
      ).toBe(true)
    }
    committed = new Set(keys.filter((k) => rejected.has(k)))
    const resumed = delivered.find((m) => BigInt(m.at as string) > BigInt(returnedAt))
    resumedAfterMs[via] = elapsedMs(returnedAt, resumed?.at as string)
  }

  // The fault really hit every process; a publish it failed rejected with the typed error.
  for (const publisher of publishers) {
    expect(publisher.messages.some((m) => m.kind === 'storeError' && m.source === 'pool')).toBe(true)
    const rejections = publisher.messages.filter((m) => m.kind === 'rejected')
    expect(rejections.every((m) => m.typed === true && m.code === 'PUBLISH_FAILED')).toBe(true)
    expect(rejections.every((m) => typeof (m.cause as { message?: unknown }).message === 'string')).toBe(true)
  }
  return { acked: acked.size, rejected: rejected.size, rejectedButCommitted: committed.size, resumedAfterMs }
}
