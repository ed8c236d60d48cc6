/**
 * `headers` in Chromium: the `Authorization` header reaches `authorize` on the first connection
 * and on every reconnect; once the server answers 401, the page ends with an UnauthorizedError and
 * asks no more.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/wait.js'
import { openPage } from './support/chromium.js'
import { recordOf, startStream } from './support/harness.js'
import { type MemoryApp, startMemoryApp } from './support/memory-app.js'

type Events = { tick: { n: number } }

const WAIT = 20_000
let app: MemoryApp<Events>
/** The Authorization header of every stream request that reached `authorize`, in order. */
const authorized: (string | undefined)[] = []
let streamRequests = 0
let accepting = true

beforeAll(async () => {
  app = await startMemoryApp<Events>({ retryMs: 100, heartbeatMs: 0, onError: () => {} }, (broker, req, res) => {
    if (!req.url?.startsWith('/api/events/secure')) return res.writeHead(404).end()
    streamRequests++
    return broker.handle(req, res, {
      topic: 'secure',
      authorize: ({ req: request }) => {
        authorized.push(request?.headers.authorization)
        return accepting && request?.headers.authorization === 'Bearer t0ken' ? true : 401
      },
    })
  })
}, 60_000)

afterAll(() => app?.close())

const opens = async (page: Page) => (await recordOf(page)).statuses.filter((status) => status === 'open').length

describe('headers in Chromium', () => {
  it('reach authorize on the first connection and every reconnect; a 401 ends with UnauthorizedError and no retries', async () => {
    const { broker, server, context } = app
    const page = await openPage(context, `${server.url}/`)
    await startStream(page, '/api/events/secure', { headers: { Authorization: 'Bearer t0ken' }, backoffMs: 20 })
    await until(async () => (await opens(page)) === 1, WAIT, 'open')
    for (const expected of [2, 3]) {
      server.server.closeAllConnections()
      await until(async () => (await opens(page)) === expected, WAIT, `open #${expected}`)
    }
    await broker.publish({ topic: 'secure', type: 'tick', payload: { n: 1 } })
    await until(async () => (await recordOf(page)).events.length === 1, WAIT, 'the event')
    expect(authorized).toEqual(['Bearer t0ken', 'Bearer t0ken', 'Bearer t0ken'])

    accepting = false
    server.server.closeAllConnections()
    await until(async () => (await recordOf(page)).statuses.at(-1) === 'closed', WAIT, 'closed')
    const record = await recordOf(page)
    expect(record.statuses).toEqual([
      'connecting',
      'open',
      'reconnecting',
      'open',
      'reconnecting',
      'open',
      'reconnecting',
      'closed',
    ])
    expect(record.errors).toEqual([{ name: 'UnauthorizedError', code: 'UNAUTHORIZED', status: 401, retrying: false }])
    const refusedAt = streamRequests
    // With a 20 ms backoff, a client that retried a 401 would have asked many times in this window.
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    expect(streamRequests).toBe(refusedAt)
    expect(authorized).toEqual(['Bearer t0ken', 'Bearer t0ken', 'Bearer t0ken', 'Bearer t0ken'])
  })
})
