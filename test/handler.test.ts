/**
 * `broker.handler()` at run time: what its `topic` callback is given in each world, and a topic it
 * cannot find (a route segment missing: `undefined`) answered with a 400 before any stream, on the
 * web and on a Node server alike.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Broker, createBroker, memoryStore, type RouteHandlerContext } from '../src/index.js'
import { httpServer, type Running } from './helpers/servers.js'

describe('broker.handler()', () => {
  let broker: Broker
  let running: Running | undefined

  beforeEach(() => {
    broker = createBroker(memoryStore(), { pollIntervalMs: 60_000 })
  })
  afterEach(async () => {
    await broker.close()
    await running?.close()
    running = undefined
  })

  it("gives a web call's topic the request and the context, and resolves to the stream's Response", async () => {
    const seen: unknown[] = []
    const GET = broker.handler({
      topic: async (request, { params }) => {
        seen.push(request.url, await params)
        return (await params).id
      },
    })
    const controller = new AbortController()
    const context: RouteHandlerContext = { params: Promise.resolve({ id: 'p1' }) }
    const response = await GET(new Request('http://app.test/api/projects/p1/events', { signal: controller.signal }), context)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    expect(seen).toEqual(['http://app.test/api/projects/p1/events', { id: 'p1' }])
    expect(broker.stats()).toMatchObject({ subscribers: 1, topics: 1 })
    controller.abort()
    await response.body?.cancel()
  })

  it('answers 400 on the web when the topic callback finds no topic (a missing segment)', async () => {
    const GET = broker.handler({ topic: async (_request, { params }) => (await params).id })
    const response = await GET(new Request('http://app.test/api/projects/events'), { params: Promise.resolve({}) })
    expect([response.status, response.headers.get('content-type')]).toEqual([400, 'text/plain; charset=utf-8'])
    expect(await response.text()).toMatch(/^topic /)
    expect(broker.stats().subscribers).toBe(0)
  })

  it('answers 400 on a Node server when the topic callback finds no topic, and resolves to nothing', async () => {
    const results: unknown[] = []
    const events = broker.handler({
      topic: (req: IncomingMessage, _res: ServerResponse) =>
        new URL(req.url ?? '/', 'http://localhost').searchParams.get('topic') ?? undefined,
    })
    running = await httpServer(async (req, res) => results.push(await events(req, res)))
    const response = await fetch(`${running.url}/events`)
    expect(response.status).toBe(400)
    expect(await response.text()).toMatch(/^topic /)
    expect(results).toEqual([undefined])
    expect(broker.stats().subscribers).toBe(0)
  })
})
