/**
 * `shared: true` in Chromium over HTTP/1.1: eight pages of one origin hold one stream between them;
 * every page gets every event once, in order, also when the leader page closes mid-stream; and the
 * pages' other requests keep flowing (without sharing, eight streams exhaust the browser's six
 * connections per origin, which the last test shows).
 */
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Broker, createBroker, type EventStore, memoryStore } from '../../src/index.js'
import { until } from '../helpers/wait.js'
import type { HarnessOptions, Recorded } from './pages/client-page.js'
import { launchChromium, openPage } from './support/chromium.js'
import { ping, recordOf, startStream } from './support/harness.js'
import { type PagesServer, servePages } from './support/pages.js'

type Events = { tick: { n: number } }

let store: EventStore
let broker: Broker<Events>
let server: PagesServer
let published = 0

const WAIT = 20_000

beforeAll(async () => {
  store = memoryStore()
  broker = createBroker<Events>(store, { retryMs: 200, heartbeatMs: 0, onError: () => {} })
  server = await servePages((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path === '/api/ping') return res.writeHead(200, { 'Content-Type': 'text/plain' }).end('pong')
    const topic = /^\/api\/events\/([^/]+)$/.exec(path)?.[1]
    if (topic) return broker.handle(req, res, { topic })
    res.writeHead(404).end()
  })
}, 60_000)

afterAll(async () => {
  await broker?.close()
  await server?.close()
  await store?.close()
})

const statusOf = async (page: Page) => (await recordOf(page)).statuses.at(-1)

async function startPages(context: BrowserContext, count: number, options: HarnessOptions): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < count; i++) pages.push(await openPage(context, `${server.url}/`))
  await Promise.all(pages.map((page) => startStream(page, '/api/events/ticks', options)))
  return pages
}

async function publishTicks(count: number, gapMs = 0): Promise<void> {
  for (let i = 0; i < count; i++) {
    await broker.publish({ topic: 'ticks', type: 'tick', payload: { n: ++published } })
    if (gapMs) await new Promise((resolve) => setTimeout(resolve, gapMs)) // pacing, so the leader closes mid-stream
  }
}

/** Pings from every page at once; resolves with what each got, or `timeout`. */
function pingAll(pages: Page[], timeoutMs: number): Promise<string[]> {
  return Promise.all(pages.map((page) => ping(page, timeoutMs)))
}

const ticks = (record: Recorded) => record.events.map((event) => event.n)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('shared: true in Chromium', () => {
  it('eight pages hold one stream, get every event once, survive the leader closing, and keep their other requests flowing', {
    timeout: 120_000,
  }, async () => {
    const context = await launchChromium(server.dir, 'shared')
    try {
      // Which page asked for the stream: the leader.
      const streamsBy = new Map<Page, number>()
      context.on('request', (request) => {
        if (!request.url().includes('/api/events/')) return
        const page = request.frame().page()
        streamsBy.set(page, (streamsBy.get(page) ?? 0) + 1)
      })
      const pages = await startPages(context, 8, { shared: true, backoffMs: 100 })
      await until(async () => (await Promise.all(pages.map(statusOf))).every((status) => status === 'open'), WAIT, 'all open')
      expect(broker.stats().subscribers).toBe(1)
      expect(await pingAll(pages, 5_000)).toEqual(pages.map(() => 'pong'))

      await publishTicks(5)
      await until(async () => (await Promise.all(pages.map(recordOf))).every((r) => r.events.length === 5), WAIT, 'five ticks')
      expect(broker.stats().subscribers).toBe(1)

      expect([...streamsBy.values()]).toEqual([1])
      const [leader] = [...streamsBy.keys()] as [Page]
      const others = pages.filter((page) => page !== leader)
      const publishing = publishTicks(30, 20)
      await until(() => published >= 15, WAIT, 'half the ticks')
      await leader.close()
      await publishing
      await until(() => broker.stats().subscribers === 1, WAIT, 'a new leader')
      await publishTicks(5)

      await until(
        async () => (await Promise.all(others.map(recordOf))).every((r) => r.events.length >= published),
        WAIT,
        'every tick on every other page',
      )
      for (const record of await Promise.all(others.map(recordOf))) {
        expect(ticks(record)).toEqual(range(1, published))
        expect(new Set(record.events.map((event) => event.id)).size).toBe(published)
        expect(record.errors).toEqual([])
      }
      expect(broker.stats().subscribers).toBe(1)
      // One other page took over, with one request.
      expect([...streamsBy.entries()].filter(([page]) => page !== leader).map(([, count]) => count)).toEqual([1])
      expect(await pingAll(others, 5_000)).toEqual(others.map(() => 'pong'))

      // A new leader may resume behind what its predecessor relayed (the browser does not order
      // the lock grant against the relayed messages): replay the last three ticks, then a new one.
      const following = others.filter((page) => streamsBy.get(page) === undefined)
      const before = await Promise.all(following.map(recordOf))
      await (following[0] as Page).evaluate(
        ([url, last]) => {
          const channel = new BroadcastChannel(`durable-sse ${new URL(url, location.href).href}`)
          const frame = (id: string, n: number) => ({
            kind: 'frame',
            frame: {
              type: 'tick',
              id,
              data: JSON.stringify({ id, type: 'tick', topic: 'ticks', payload: { n }, createdAt: '' }),
            },
          })
          for (const event of last) channel.postMessage(frame(event.id, event.n))
          channel.postMessage(frame('replayed.fresh', 0))
          channel.close()
        },
        ['/api/events/ticks', before[0]?.events.slice(-3) ?? []] as const,
      )
      await until(
        async () => (await Promise.all(following.map(recordOf))).every((r) => r.events.at(-1)?.id === 'replayed.fresh'),
        WAIT,
        'the fresh frame',
      )
      for (const record of await Promise.all(following.map(recordOf))) expect(ticks(record)).toEqual([...range(1, published), 0])
    } finally {
      await context.close()
    }
  })

  it('without shared, the same eight pages exhaust the six connections per origin', { timeout: 60_000 }, async () => {
    await until(() => broker.stats().subscribers === 0, WAIT, 'the previous streams closed')
    const context = await launchChromium(server.dir, 'unshared')
    try {
      const pages = await startPages(context, 8, {})
      await until(() => broker.stats().subscribers === 6, WAIT, 'six streams')
      // Generous: a ping answers in milliseconds when a connection is free.
      expect(await pingAll(pages.slice(7), 2_000)).toEqual(['timeout'])
      expect(broker.stats().subscribers).toBe(6)
    } finally {
      await context.close()
    }
    await until(() => broker.stats().subscribers === 0, WAIT, 'streams closed')
  })
})
