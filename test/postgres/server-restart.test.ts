/**
 * Issue 10, fault 1: the server goes away under load. Two publisher processes at 200 events/s
 * each and one subscriber process, all on the store's own pool (`connectionString`). First through
 * a TCP proxy that cuts every connection (57P01 and FIN, or a reset) and refuses new ones for a
 * few seconds, as a restart does (the shared server is never restarted); then by
 * `pg_terminate_backend` on every backend of those stores. No process exits; every acknowledged
 * event is delivered once, in order, with the id its publisher was given; an event whose publish
 * rejected may have committed (the answer was lost), and if it did it is delivered once, in order,
 * too; delivery resumes within 2 s of the server's return.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { describePostgres, type PostgresTestDatabase, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { pgBroker } from './helpers/broker.js'
import { type Fixture, type Message, startFixture, stopFixture } from './helpers/child.js'
import { elapsedMs } from './helpers/latency.js'

const RATE = 200
const WRITERS = ['a', 'b']
/** How long the server stays away. */
const OUTAGE_MS = 3_000
const now = () => process.hrtime.bigint().toString()

/** A run: the processes, all connected to `url` with connection names starting with `name`. */
async function startRun(database: PostgresTestDatabase, url: string, name: string) {
  const topic = uniqueTopic('restart')
  const storeOptions = (role: string) =>
    JSON.stringify({
      poolConfig: { max: 4, application_name: `${name}-${role}` },
      listen: { connectionString: url, application_name: `${name}-${role}-listen` },
    })
  const base = { DATABASE_URL: url, SCHEMA: database.schema, TOPIC: topic, TOPICS: topic }
  const subscriber = startFixture('subscriber', {
    ...base,
    MODE: 'iterator',
    WAIT_LISTENING: '1',
    STORE_OPTIONS: storeOptions('sub'),
  })
  database.defer(() => stopFixture(subscriber))
  await subscriber.message((m) => m.kind === 'ready', 'the subscriber ready')
  const publishers = WRITERS.map((writer) =>
    startFixture('publisher', { ...base, NAME: writer, RATE: String(RATE), STORE_OPTIONS: storeOptions(`pub-${writer}`) }),
  )
  for (const publisher of publishers) database.defer(() => stopFixture(publisher))
  await Promise.all(publishers.map((p) => p.message((m) => m.kind === 'ready', 'a publisher ready')))
  for (const publisher of publishers) publisher.send({ kind: 'go' })
  const events = () => subscriber.messages.filter((m) => m.kind === 'event')
  await subscriber.until(() => events().length >= 200, 'steady delivery before the fault')
  return { topic, subscriber, publishers, events }
}

type Run = Awaited<ReturnType<typeof startRun>>

/** After the server is back: more acknowledged publishes, a sentinel, and every invariant checked. */
async function finishRun(database: PostgresTestDatabase, run: Run, returnedAt: string): Promise<void> {
  const { topic, subscriber, publishers, events } = run
  const ackedSince = (publisher: Fixture) =>
    publisher.messages.filter((m) => m.kind === 'acked' && BigInt(m.at as string) > BigInt(returnedAt)).length
  await Promise.all(publishers.map((p) => p.until(() => ackedSince(p) >= 100, 'publishes acknowledged again', 15_000)))
  for (const fixture of [subscriber, ...publishers]) expect(fixture.process.exitCode, 'still running').toBeNull()
  for (const publisher of publishers) publisher.send({ kind: 'stop' })
  await Promise.all(publishers.map((p) => p.message((m) => m.kind === 'done', 'every publish settled')))
  expect((await Promise.all(publishers.map((p) => p.exited))).map((e) => e.code)).toEqual([0, 0])

  // Once the sentinel (published after every publisher stopped) is delivered, so is everything before it.
  const { broker } = await pgBroker(database)
  const sentinel = await broker.publish({ topic, type: 'n', payload: { writer: 'sentinel', n: 0 } })
  await subscriber.until((all) => all.some((m) => m.kind === 'event' && m.id === sentinel.id), 'the sentinel', 15_000)
  subscriber.send({ kind: 'stop' })
  await subscriber.message((m) => m.kind === 'stopped', 'the subscriber stopped')
  expect((await subscriber.exited).code).toBe(0)

  const delivered = events()
  const key = (m: Message) => {
    const { writer, n } = m.payload as { writer: string; n: number }
    return `${writer}:${n}`
  }
  const seqs = delivered.map((m) => seqOf(m.id as string))
  expect(seqs, 'gap-free positions from 1, each once, in order').toEqual(seqs.map((_, i) => i + 1))
  expect(delivered.at(-1)?.id).toBe(sentinel.id)
  const keys = delivered.slice(0, -1).map(key)
  expect(new Set(keys).size, 'each event once').toBe(keys.length)

  const acked = new Map<string, string>()
  const rejected = new Set<string>()
  for (const [i, publisher] of publishers.entries()) {
    for (const m of publisher.messages) {
      if (m.kind === 'acked') acked.set(`${WRITERS[i]}:${m.n}`, m.id as string)
      if (m.kind === 'rejected') rejected.add(`${WRITERS[i]}:${m.n}`)
    }
  }
  const deliveredIds = new Map(delivered.map((m) => [key(m), m.id as string]))
  const lost = [...acked].filter(([k, id]) => deliveredIds.get(k) !== id)
  expect(lost, 'every acknowledged event delivered with its id').toEqual([])
  expect(
    keys.filter((k) => !acked.has(k) && !rejected.has(k)),
    'nothing delivered that was never published',
  ).toEqual([])
  for (const writer of WRITERS) {
    const order = keys.filter((k) => k.startsWith(`${writer}:`)).map((k) => Number(k.split(':')[1]))
    expect(
      order.every((n, i) => i === 0 || n > (order[i - 1] as number)),
      `${writer}: in publish order`,
    ).toBe(true)
  }

  // The fault really hit every process; a publish it failed rejected with the typed error.
  for (const publisher of publishers) {
    expect(publisher.messages.some((m) => m.kind === 'storeError' && m.source === 'pool')).toBe(true)
    const rejections = publisher.messages.filter((m) => m.kind === 'rejected')
    expect(rejections.every((m) => m.typed === true && m.code === 'PUBLISH_FAILED')).toBe(true)
    expect(rejections.every((m) => typeof (m.cause as { message?: unknown }).message === 'string')).toBe(true)
  }
  expect(subscriber.messages.some((m) => m.kind === 'storeError' && m.source === 'listener')).toBe(true)

  const resumedAfter = delivered.find((m) => BigInt(m.at as string) > BigInt(returnedAt))
  const gapMs = elapsedMs(returnedAt, resumedAfter?.at as string)
  console.info(
    `[restart] ${acked.size} acknowledged, ${rejected.size} rejected (${keys.filter((k) => rejected.has(k)).length} of them committed), delivery resumed ${gapMs.toFixed(0)} ms after the server returned`,
  )
  expect(gapMs, 'delivery resumes within 2 s of the server return').toBeLessThan(2_000)
}

describePostgres('broker: Postgres restarted under load', (database) => {
  it('through a proxy that cuts every connection and refuses new ones: nothing lost, nobody exits', async () => {
    await pgBroker(database) // migrates the schema
    const proxy = await startTcpProxy()
    database.defer(() => proxy.close())
    const run = await startRun(database, proxy.url(database.url), `dsse-restart-${process.pid}`)
    expect(proxy.cut(), 'connections cut').toBeGreaterThanOrEqual(3)
    await Promise.all(run.publishers.map((p) => p.message((m) => m.kind === 'rejected', 'a rejected publish')))
    await sleep(OUTAGE_MS) // the outage itself: the server stays away this long
    await proxy.restore()
    const returnedAt = now()
    await finishRun(database, run, returnedAt)
  }, 90_000)

  it('pg_terminate_backend on every backend of the three stores: nothing lost, nobody exits', async () => {
    await pgBroker(database)
    const name = `dsse-terminate-${process.pid}`
    const run = await startRun(database, database.url, name)
    const killed = await database.query<{ pid: number }>(
      `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name LIKE $1 || '-%'`,
      [name],
    )
    const returnedAt = now() // the server never left: only the connections did
    expect(killed.length, 'backends of the pools and the listener').toBeGreaterThanOrEqual(4)
    await finishRun(database, run, returnedAt)
  }, 90_000)
})
