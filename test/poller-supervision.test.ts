/**
 * The poller survives whatever a store throws: a store whose reads throw (a bug, not a dropped
 * connection) for two seconds, which `broker.health()` shows while it lasts, and a stream whose
 * transport throws while the poller hands it a batch. Real SQLite files, a real HTTP server and
 * real SSE clients.
 */
import { setTimeout as pause } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { type Broker, type BrokerHealth, createBroker, type EventStore, type StoredEvent } from '../src/index.js'
import { withBrokenReads } from './helpers/broken-store.js'
import { httpServer } from './helpers/servers.js'
import { useTempFiles } from './helpers/sqlite.js'
import { recordingClient } from './helpers/sse-client.js'
import { take, until } from './helpers/wait.js'

describe('the poller', () => {
  const files = useTempFiles()
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  async function brokerOn(store: EventStore, errors: unknown[]): Promise<Broker> {
    const broker = createBroker(store, {
      pollIntervalMs: 200,
      health: { storeFailingMs: 500, pollStalledMs: 500 },
      onError: (error) => errors.push(error),
    })
    closers.push(() => broker.close())
    return broker
  }

  it('survives a store whose reads throw TypeError for 2 s: reports it once, retries with backoff, health() says not ok meanwhile, then delivers everything published meanwhile once, in order', async () => {
    const sqlite = sqliteStore({ filename: files.file() })
    closers.push(() => sqlite.close())
    await sqlite.migrate()
    let failingUntil = 0
    const { store, thrown } = withBrokenReads(sqlite, () => performance.now() < failingUntil)
    const errors: unknown[] = []
    const broker = await brokerOn(store, errors)
    const subscription = broker.subscribe('t')
    await subscription.ready
    const server = await httpServer((req, res) => broker.handle(req, res, { topic: 't' }))
    closers.push(() => server.close())
    const client = recordingClient(server.url, ['n'])
    closers.push(async () => client.close())
    await client.until((received) => received.some((message) => message.type === 'connected'))

    expect(broker.health().ok).toBe(true)
    failingUntil = performance.now() + 2_000
    const published: StoredEvent[] = []
    const health: BrokerHealth[] = []
    for (let i = 0; performance.now() < failingUntil - 100; i++) {
      published.push(
        ...(await broker.publish(Array.from({ length: 5 }, (_, k) => ({ topic: 't', type: 'n', payload: i * 5 + k })))),
      )
      health.push(broker.health())
      await pause(50) // pacing: publishes spread over the outage
    }
    const unhealthy = health.filter((sample) => !sample.ok)
    expect(unhealthy.length).toBeGreaterThan(0) // past the 500 ms thresholds it said so
    expect(unhealthy.at(-1)?.checks.store).toMatchObject({ ok: false, failing: [{ operation: 'readAfter' }] })
    expect(unhealthy.at(-1)?.checks.poller.ok).toBe(false)
    const ages = health.map((sample) => sample.checks.poller.lastPollAgoMs)
    expect(ages.at(-1)).toBeGreaterThan(1_000) // no poll completed for as long as the outage lasted
    expect(ages.every((age, i) => i === 0 || age >= (ages[i - 1] as number))).toBe(true) // it only grew
    expect(published.length).toBeGreaterThan(50)
    expect(client.events()).toEqual([]) // the outage is still on: nothing got through
    await until(() => performance.now() >= failingUntil, 3_000, 'the outage to end')
    expect(errors.filter((error) => error instanceof TypeError)).toHaveLength(1) // once per kind, not once per poll
    expect(thrown()).toBeGreaterThanOrEqual(5) // it kept retrying...
    expect(thrown()).toBeLessThan(60) // ...with a backoff, not at every publish or in a loop

    await until(() => broker.health().ok, 5_000, 'health() to be ok again')
    const ids = published.map((event) => event.id)
    expect((await take(subscription, ids.length, 10_000)).map((event) => event.id)).toEqual(ids)
    await client.until((received) => received.filter((message) => message.type === 'n').length >= ids.length, 10_000)
    expect(client.events().map((message) => message.id)).toEqual(ids)

    const [marker] = await broker.publish([{ topic: 't', type: 'n', payload: 'after' }])
    expect((await take(subscription, 1)).map((event) => event.id)).toEqual([marker?.id]) // nothing twice before it
    await client.until((received) => received.some((message) => message.id === marker?.id))
    expect(client.events().map((message) => message.id)).toEqual([...ids, marker?.id])
  }, 30_000)

  it('hands a batch to every other stream when one stream throws while taking it; that stream ends with the error', async () => {
    const sqlite = sqliteStore({ filename: files.file() })
    closers.push(() => sqlite.close())
    await sqlite.migrate()
    const errors: unknown[] = []
    const broker = await brokerOn(sqlite, errors)
    const failure = new Error('a middleware bug')
    let broken: Promise<void> | undefined
    const server = await httpServer((req, res) => {
      const stream = broker.handle(req, res, { topic: 't' })
      if (req.url === '/broken') {
        let writes = 0
        const write = res.write.bind(res)
        // The prelude goes through; the first batch makes the response throw.
        res.write = ((chunk: Uint8Array) => {
          if (++writes > 1) throw failure
          return write(chunk)
        }) as typeof res.write
        broken = stream
      }
      return stream
    })
    closers.push(() => server.close())
    // The broken stream follows the topic first, so the poller hands it the batch before the healthy one.
    const victim = recordingClient(`${server.url}/broken`, ['n'])
    closers.push(async () => victim.close())
    await victim.until((received) => received.some((message) => message.type === 'connected'))
    const healthy = recordingClient(`${server.url}/healthy`, ['n'])
    closers.push(async () => healthy.close())
    await healthy.until((received) => received.some((message) => message.type === 'connected'))
    expect(broker.stats().subscribers).toBe(2)

    const published = await broker.publish([1, 2, 3].map((i) => ({ topic: 't', type: 'n', payload: i })))
    await healthy.until((received) => received.filter((message) => message.type === 'n').length === 3)
    expect(healthy.events().map((message) => message.id)).toEqual(published.map((event) => event.id))
    await until(() => broker.stats().subscribers === 1, 5_000, 'the broken stream to end')
    await broken // the broken stream's response was ended
    expect(errors).toContain(failure)
    expect(victim.events()).toEqual([])

    const [next] = await broker.publish([{ topic: 't', type: 'n', payload: 4 }])
    await healthy.until((received) => received.some((message) => message.id === next?.id))
  })
})
