/**
 * One SSE stream over several topics, served by Express to the `eventsource` client, on a real
 * SQLite file and the real Postgres server: every event of its topics once, in each topic's order,
 * nothing of the others; resume by `Last-Event-ID` after a drop, after a restart of server and
 * store, from the middle of a replay, over a changed topic set; a pruned topic resets alone.
 */
import { createServer } from 'node:http'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { type Broker, createBroker, type EventStore, type StoredEvent } from '../src/index.js'
import { describePostgres } from './helpers/postgres.js'
import { listen, type Running } from './helpers/servers.js'
import { useTempFiles } from './helpers/sqlite.js'
import { type Received, type RecordingClient, recordingClient } from './helpers/sse-client.js'
import { until } from './helpers/wait.js'

type Events = { n: { i: number } }

/** A running app: broker, Express server, its store. */
interface App {
  broker: Broker<Events>
  running: Running
  store: EventStore
  stop(): Promise<void>
}

async function startApp(store: EventStore): Promise<App> {
  const broker = createBroker<Events>(store, { pollIntervalMs: 200, retryMs: 50 })
  const app = express()
  app.get('/events', (req, res) => broker.handle(req, res, { topics: String(req.query.topics).split(',') }))
  const running = await listen(createServer(app))
  return {
    broker,
    running,
    store,
    async stop() {
      await broker.close()
      await running.close()
      await store.close()
    },
  }
}

/** The payload numbers a client received, per topic, in arrival order. */
function perTopic(received: Received[]): Record<string, number[]> {
  const result: Record<string, number[]> = {}
  for (const message of received) {
    if (message.type !== 'n') continue
    const event = JSON.parse(message.data) as StoredEvent<'n', { i: number }>
    result[event.topic] ??= []
    result[event.topic]?.push(event.payload.i)
  }
  return result
}

const count = (received: Received[]) => received.filter((message) => message.type === 'n').length

/** The suite, for a way to open (and re-open, for restarts) a store on one database. */
function multiTopicSuite(openStore: () => Promise<EventStore>, prune: (store: EventStore, before: Date) => Promise<number>) {
  const apps: App[] = []
  const clients: RecordingClient[] = []
  const start = async () => {
    const app = await startApp(await openStore())
    apps.push(app)
    return app
  }
  const stream = (app: App, topics: string[], lastEventId?: string) => {
    const client = recordingClient(`${app.running.url}/events?topics=${topics.join(',')}`, ['n'], { lastEventId })
    clients.push(client)
    return client
  }
  const publish = (app: App, topic: string, from: number, n: number) =>
    app.broker.publish(Array.from({ length: n }, (_, k) => ({ topic, type: 'n' as const, payload: { i: from + k } })))
  const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k)
  const lastId = (client: RecordingClient) => client.received.at(-1)?.id as string

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close()
    for (const app of apps.splice(0)) await app.stop().catch(() => {})
  })

  it('a stream over 3 topics gets every event of those topics once, in each topic order, nothing of others', async () => {
    const app = await start()
    const client = stream(app, ['a', 'b', 'c'])
    await client.until((received) => received.some((m) => m.type === 'connected'))
    await Promise.all([publish(app, 'a', 0, 20), publish(app, 'b', 0, 15), publish(app, 'x', 0, 10), publish(app, 'c', 0, 5)])
    await app.broker.publish([
      { topic: 'c', type: 'n', payload: { i: 5 } },
      { topic: 'a', type: 'n', payload: { i: 20 } },
      { topic: 'x', type: 'n', payload: { i: 10 } },
    ])
    await client.until((received) => count(received) === 42)
    expect(perTopic(client.received)).toEqual({ a: range(0, 21), b: range(0, 15), c: range(0, 6) })
    // Every id is a cursor; data.id stays the event's own id.
    for (const message of client.received) expect(message.id.startsWith('~')).toBe(true)
    const [firstA] = client.received.filter((m) => m.type === 'n').map((m) => JSON.parse(m.data) as StoredEvent)
    expect(firstA?.id).not.toContain('~')
  })

  it('resumes exactly after a drop, and after a restart of server and store', async () => {
    let app = await start()
    const first = stream(app, ['a', 'b', 'c'])
    await first.until((received) => received.some((m) => m.type === 'connected'))
    await publish(app, 'a', 0, 3)
    await publish(app, 'b', 0, 2)
    await first.until((received) => count(received) === 5)
    first.close()
    await publish(app, 'c', 0, 2)
    await publish(app, 'a', 3, 2)
    const second = stream(app, ['a', 'b', 'c'], lastId(first))
    await second.until((received) => count(received) === 4)
    expect(perTopic(second.received)).toEqual({ a: [3, 4], c: [0, 1] })
    second.close()

    await app.stop()
    apps.splice(apps.indexOf(app), 1)
    const down = await openStore() // published while no server ran
    await down.append([{ topic: 'b', type: 'n', data: '{"i":2}' }])
    await down.close()
    app = await start()
    await publish(app, 'c', 2, 1)
    const third = stream(app, ['a', 'b', 'c'], lastId(second))
    await third.until((received) => count(received) === 2)
    expect(perTopic(third.received)).toEqual({ b: [2], c: [2] })
    expect(third.received.map((m) => m.type)).not.toContain('reset')
  })

  it('resumes from an id in the middle of a replay', async () => {
    const app = await start()
    const head = stream(app, ['a', 'b'])
    await head.until((received) => received.some((m) => m.type === 'connected'))
    const start0 = lastId(head)
    head.close()
    for (let round = 0; round < 10; round++) {
      await publish(app, 'a', round * 10, 10)
      await publish(app, 'b', round * 10, 10)
    }
    const replay = stream(app, ['a', 'b'], start0)
    await replay.until((received) => count(received) === 200)
    expect(perTopic(replay.received)).toEqual({ a: range(0, 100), b: range(0, 100) })
    const middle = replay.received.filter((m) => m.type === 'n')[123] as Received
    const seen = perTopic(replay.received.slice(0, replay.received.indexOf(middle) + 1))
    const resumed = stream(app, ['a', 'b'], middle.id)
    await resumed.until((received) => count(received) === 200 - 124)
    const expected: Record<string, number[]> = {}
    for (const topic of ['a', 'b']) {
      const done = seen[topic]?.length ?? 0
      if (done < 100) expected[topic] = range(done, 100 - done)
    }
    expect(perTopic(resumed.received)).toEqual(expected)
  })

  it('resumes over a changed set: shared topics keep their positions, an added one starts at its head', async () => {
    const app = await start()
    const before = stream(app, ['a', 'b', 'c'])
    await before.until((received) => received.some((m) => m.type === 'connected'))
    await publish(app, 'a', 0, 2)
    await publish(app, 'b', 0, 2)
    await before.until((received) => count(received) === 4)
    before.close()
    await publish(app, 'a', 2, 1) // dropped from the set: not delivered
    await publish(app, 'b', 2, 1) // kept: delivered
    await publish(app, 'd', 0, 3) // added, before the resume: its head is after these
    const after = stream(app, ['b', 'c', 'd'], lastId(before))
    await after.until((received) => received.some((m) => m.type === 'connected'))
    await publish(app, 'd', 3, 1)
    await publish(app, 'c', 0, 1)
    await after.until((received) => count(received) === 3)
    expect(perTopic(after.received)).toEqual({ b: [2], c: [0], d: [3] })
    expect(after.received.map((m) => m.type)).not.toContain('reset')
  })

  it("a one-topic stream's id on a stream that gained topics resets every topic: it names none of them", async () => {
    const app = await start()
    const before = stream(app, ['a'])
    await before.until((received) => received.some((m) => m.type === 'connected'))
    await publish(app, 'a', 0, 3)
    await before.until((received) => count(received) === 3)
    before.close()
    expect(lastId(before).startsWith('~')).toBe(false)
    await publish(app, 'a', 3, 2) // missed: the resets tell the app to refetch instead of skipping them silently
    const after = stream(app, ['a', 'b'], lastId(before))
    await after.until((received) => received.some((m) => m.type === 'connected'))
    const resets = after.received.filter((m) => m.type === 'reset').map((m) => JSON.parse(m.data))
    expect(resets).toEqual([
      { reason: 'foreign', topic: 'a' },
      { reason: 'foreign', topic: 'b' },
    ])
    await publish(app, 'b', 0, 1)
    await publish(app, 'a', 5, 1)
    await after.until((received) => count(received) === 2)
    expect(perTopic(after.received)).toEqual({ a: [5], b: [0] })
    await expect(
      app.broker
        .subscribe(['a', 'b'], { after: lastId(before) })
        [Symbol.asyncIterator]()
        .next(),
    ).rejects.toMatchObject({ code: 'CANNOT_RESUME', resets: [{ topic: 'a' }, { topic: 'b' }] })
  })

  it('a pruned topic resets alone; the others resume exactly', async () => {
    const app = await start()
    const before = stream(app, ['a', 'b'])
    await before.until((received) => received.some((m) => m.type === 'connected'))
    await publish(app, 'a', 0, 3)
    await before.until((received) => count(received) === 3)
    before.close()
    const missed = await publish(app, 'a', 3, 3) // missed, then pruned
    // Cut right after them, and let the clock pass the cut before publishing what must be kept.
    const cutoff = new Date(Date.parse(missed.at(-1)?.createdAt as string) + 1)
    await until(() => Date.now() > cutoff.getTime() + 1, 1_000, 'the clock to pass the cutoff')
    await publish(app, 'b', 0, 2) // missed, kept
    expect(await prune(app.store, cutoff)).toBe(6)
    const after = stream(app, ['a', 'b'], lastId(before))
    await after.until((received) => count(received) === 2)
    const resets = after.received.filter((m) => m.type === 'reset').map((m) => JSON.parse(m.data))
    expect(resets).toEqual([{ reason: 'pruned', topic: 'a' }])
    expect(perTopic(after.received)).toEqual({ b: [0, 1] })
    await publish(app, 'a', 6, 1)
    await after.until((received) => count(received) === 3)
    expect(perTopic(after.received)).toEqual({ a: [6], b: [0, 1] })
  })
}

describe('multi-topic SSE on SQLite', () => {
  const files = useTempFiles() // one file per test: a restart re-opens it
  multiTopicSuite(
    async () => {
      const store = sqliteStore({ filename: files.file() })
      await store.migrate()
      return store
    },
    (store, before) => store.deleteBefore(before),
  )
})

describePostgres('multi-topic SSE on Postgres', (database) => {
  let prefix = ''
  let n = 0
  multiTopicSuite(
    async () => {
      prefix ||= `mt${++n}_`
      return database.store({ tablePrefix: prefix })
    },
    (store, before) => store.deleteBefore(before),
  )
  afterEach(() => {
    prefix = ''
  })
})
