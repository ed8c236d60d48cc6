/**
 * Back online in Chromium: a connection that lost its network waits a long delay before it tries
 * again (the server's `retry:` of 60 s is both the native `EventSource`'s wait and the base of the
 * client's backoff), but the browser's `online` event makes it reconnect at once, with the events
 * published meanwhile. Without the `online` handling the page would wait at least 30 s, three
 * times this test's wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/wait.js'
import type { HarnessOptions } from './pages/client-page.js'
import { openPage } from './support/chromium.js'
import { recordOf, startStream } from './support/harness.js'
import { type MemoryApp, startMemoryApp } from './support/memory-app.js'

type Events = { tick: { n: number } }

const WAIT = 10_000
const LONG_RETRY_MS = 60_000
let app: MemoryApp<Events>

beforeAll(async () => {
  app = await startMemoryApp<Events>({ retryMs: LONG_RETRY_MS, heartbeatMs: 0, onError: () => {} }, (broker, req, res) => {
    const topic = /^\/api\/events\/([a-z]+)/.exec(req.url ?? '')?.[1]
    if (!topic) return res.writeHead(404).end()
    return broker.handle(req, res, { topic })
  })
}, 60_000)

afterAll(() => app?.close())

const transports: { name: string; topic: string; options: HarnessOptions }[] = [
  { name: 'the native EventSource', topic: 'native', options: { backoffMs: LONG_RETRY_MS } },
  { name: 'the fetch transport', topic: 'fetched', options: { backoffMs: LONG_RETRY_MS, headers: { 'X-Test': '1' } } },
]

describe('back online in Chromium', () => {
  it.each(transports)('$name reconnects at once on the online event, with the events it missed', async ({ topic, options }) => {
    const { broker, server, context } = app
    const page = await openPage(context, `${server.url}/`)
    await startStream(page, `/api/events/${topic}`, options)
    await until(async () => (await recordOf(page)).statuses.includes('open'), WAIT, 'open')
    await broker.publish({ topic, type: 'tick', payload: { n: 1 } })
    await until(async () => (await recordOf(page)).events.length === 1, WAIT, 'the first event')

    await context.setOffline(true)
    server.server.closeAllConnections()
    await until(async () => (await recordOf(page)).statuses.at(-1) === 'reconnecting', WAIT, 'reconnecting')
    await broker.publish({ topic, type: 'tick', payload: { n: 2 } })
    await context.setOffline(false)
    await until(async () => (await recordOf(page)).events.length === 2, WAIT, 'the event published while offline')

    const record = await recordOf(page)
    expect(record.events.map((event) => event.n)).toEqual([1, 2])
    expect(record.statuses.slice(-2)).toEqual(['reconnecting', 'open'])
    await page.close()
  })
})
