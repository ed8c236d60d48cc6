import { createServer } from 'node:http'
import express from 'express'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Broker, createBroker, type EventStore } from '../src/index.js'
import { mysqlStoreKinds } from './helpers/mysql.js'
import { httpServer, listen, type Running } from './helpers/servers.js'
import { recordingClient } from './helpers/sse-client.js'
import { storeKinds, type TestStore } from './helpers/stores.js'
import { until } from './helpers/wait.js'

type Events = { session_updated: { sessionId: string; status: string } }

const servers: Record<string, (broker: Broker<Events>) => Promise<Running>> = {
  'node:http': (broker) =>
    httpServer((req, res) => {
      const match = /^\/api\/projects\/([^/?]+)\/events/.exec(req.url ?? '')
      if (!match) return res.writeHead(404).end()
      return broker.handle(req, res, { topic: decodeURIComponent(match[1] as string) })
    }),
  'Express 5': (broker) => {
    const app = express()
    app.get('/api/projects/:id/events', (req, res) => broker.handle(req, res, { topic: req.params.id }))
    return listen(createServer(app))
  },
}

const update = (topic: string, status: string) =>
  ({ topic, type: 'session_updated', payload: { sessionId: 's1', status } }) as const

describe.each([...storeKinds, ...mysqlStoreKinds()])('SSE over Node responses on $name store', (kind) => {
  describe.each(Object.entries(servers))('%s', (_name, start) => {
    let made: TestStore
    let store: EventStore
    let broker: Broker<Events>
    let running: Running
    let base: string

    beforeEach(async () => {
      made = await kind.make()
      store = made.store
      broker = createBroker<Events>(store, { pollIntervalMs: 60_000, retryMs: 50 })
      running = await start(broker)
      base = `${running.url}/api/projects`
    })
    afterEach(async () => {
      await broker.close()
      await running.close()
      await made.dispose()
    })

    it('sends retry, connected, then events whose id is the stored id, with the SSE headers', async () => {
      const response = await fetch(`${base}/p1/events`)
      expect(response.status).toBe(200)
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(response.headers.get('cache-control')).toBe('no-cache, no-transform')
      expect(response.headers.get('x-accel-buffering')).toBe('no')
      expect(response.headers.get('connection')).toBe('keep-alive')
      const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>
      let text = new TextDecoder().decode((await reader.read()).value)
      expect(text).toMatch(/^retry: 50\n\nid: [0-9a-z]+\.\d+\nevent: connected\ndata: \{\}\n\n$/)
      const stored = await broker.publish(update('p1', 'running'))
      text = new TextDecoder().decode((await reader.read()).value)
      expect(text).toBe(
        `id: ${stored.id}\nevent: session_updated\ndata: ${JSON.stringify({ id: stored.id, type: 'session_updated', topic: 'p1', payload: stored.payload, createdAt: stored.createdAt })}\n\n`,
      )
      await reader.cancel()
    })

    it('replays exactly the missed events when a client reconnects with Last-Event-ID', async () => {
      const first = recordingClient(`${base}/p1/events`, ['session_updated'])
      await first.until((r) => r.some((m) => m.type === 'connected'))
      const [a, b] = await broker.publish([update('p1', 'a'), update('p1', 'b')])
      await first.until(() => first.events().length === 2)
      expect(first.events().map((m) => m.id)).toEqual([a?.id, b?.id])
      first.close()
      await until(() => broker.stats().subscribers === 0, 5_000, 'the closed client to be forgotten')

      const missed = await broker.publish([update('p1', 'c'), update('p1', 'd'), update('p2', 'other')])
      const second = recordingClient(`${base}/p1/events`, ['session_updated'], { lastEventId: b?.id })
      await second.until(() => second.events().length === 2)
      const live = await broker.publish(update('p1', 'e'))
      await second.until(() => second.events().length === 3)
      expect(second.events().map((m) => m.id)).toEqual([missed[0]?.id, missed[1]?.id, live.id])
      expect(second.received.some((m) => m.type === 'reset')).toBe(false)
      second.close()
    })

    it('resumes from the lastEventId query parameter on a first connection', async () => {
      const [a, b] = await broker.publish([update('p1', 'a'), update('p1', 'b')])
      const client = recordingClient(`${base}/p1/events?lastEventId=${encodeURIComponent(a?.id as string)}`, ['session_updated'])
      await client.until(() => client.events().length === 1)
      expect(client.events()[0]?.id).toBe(b?.id)
      client.close()
    })

    it('the Last-Event-ID header wins over the query parameter', async () => {
      const [a, b, c] = await broker.publish([update('p1', 'a'), update('p1', 'b'), update('p1', 'c')])
      const client = recordingClient(`${base}/p1/events?lastEventId=${a?.id}`, ['session_updated'], { lastEventId: b?.id })
      await client.until(() => client.events().length === 1)
      expect(client.events().map((m) => m.id)).toEqual([c?.id])
      client.close()
    })

    it('sends reset, then live events, for an id the store cannot resume from', async () => {
      const [a] = await broker.publish([update('p1', 'a')])
      const epoch = String(a?.id).split('.')[0]
      const client = recordingClient(`${base}/p1/events`, ['session_updated'], { lastEventId: `${epoch}.987654` })
      await client.until((r) => r.some((m) => m.type === 'connected'))
      expect(client.received[0]).toMatchObject({
        type: 'reset',
        data: JSON.stringify({ reason: 'ahead', topic: 'p1' }),
        id: a?.id,
      })
      const live = await broker.publish(update('p1', 'b'))
      await client.until(() => client.events().length === 1)
      expect(client.events()[0]?.id).toBe(live.id)
      client.close()
    })

    it('resumes after the id carried by connected when a client drops before any event', async () => {
      const first = recordingClient(`${base}/p1/events`, ['session_updated'])
      await first.until((r) => r.some((m) => m.type === 'connected'))
      const startId = first.received[0]?.id as string
      first.close()
      await until(() => broker.stats().subscribers === 0)
      const missed = await broker.publish(update('p1', 'while away'))
      const second = recordingClient(`${base}/p1/events`, ['session_updated'], { lastEventId: startId })
      await second.until(() => second.events().length === 1)
      expect(second.events()[0]?.id).toBe(missed.id)
      second.close()
    })

    it('answers 400 with a short body for a malformed Last-Event-ID or a bad topic, before any stream', async () => {
      const badId = await fetch(`${base}/p1/events`, { headers: { 'Last-Event-ID': 'not an id' } })
      expect(badId.status).toBe(400)
      expect(badId.headers.get('content-type')).toMatch(/^text\/plain/)
      expect(await badId.text()).toMatch(/malformed event id/)
      const longId = await fetch(`${base}/p1/events?lastEventId=${'1'.repeat(5_000)}`)
      expect(longId.status).toBe(400)
      const badTopic = await fetch(`${base}/${'x'.repeat(300)}/events`)
      expect(badTopic.status).toBe(400)
      const nulTopic = await fetch(`${base}/a%00b/events`)
      expect(nulTopic.status).toBe(400)
      expect(broker.stats().subscribers).toBe(0)
    })

    it('answers 400 to a resume position given twice, in the query as in the headers, before any stream', async () => {
      const [a, b] = await broker.publish([update('p1', 'a'), update('p1', 'b')])
      const twiceInQuery = await fetch(`${base}/p1/events?lastEventId=${a?.id}&lastEventId=${b?.id}`)
      expect([twiceInQuery.status, await twiceInQuery.text()]).toEqual([400, `malformed event id "${a?.id}, ${b?.id}"`])
      const evenWithHeader = await fetch(`${base}/p1/events?lastEventId=${a?.id}&lastEventId=${a?.id}`, {
        headers: { 'Last-Event-ID': b?.id as string },
      })
      expect(evenWithHeader.status).toBe(400)
      await evenWithHeader.text()
      const twiceInHeaders = await fetch(`${base}/p1/events`, {
        headers: [
          ['Last-Event-ID', a?.id as string],
          ['Last-Event-ID', b?.id as string],
        ],
      })
      expect(twiceInHeaders.status).toBe(400)
      await twiceInHeaders.text()
      expect(broker.stats().subscribers).toBe(0)
    })
  })
})
