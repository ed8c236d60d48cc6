import { createServer } from 'node:http'
import { createServer as createHttp2Server, connect as http2Connect } from 'node:http2'
import type { AddressInfo } from 'node:net'
import compression from 'compression'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type Authorize,
  type AuthorizeContext,
  type Broker,
  type BrokerOptions,
  createBroker,
  memoryStore,
  type StoredEvent,
} from '../src/index.js'
import { httpServer, listen, type Running } from './helpers/servers.js'
import { type RecordingClient, recordingClient } from './helpers/sse-client.js'
import { idsByTopic, positionAfter, positionIn, streamOf, streamShapes } from './helpers/stream-shapes.js'
import { until } from './helpers/wait.js'

type Events = { tick: { n: number } }
const tick = (topic: string, n: number) => ({ topic, type: 'tick', payload: { n } }) as const

/**
 * Per topic, the ids of the events a client received (read from `data`), after checking that the
 * `id:` line of each one holds that event as its topic's position.
 */
function receivedByTopic(client: RecordingClient, topics: readonly string[]): Record<string, string[]> {
  const events = client.events().map((message) => {
    const event = JSON.parse(message.data) as StoredEvent
    expect(positionIn(message.id, event.topic, topics)).toBe(event.id)
    return event
  })
  return idsByTopic(events)
}

let cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

describe.each(streamShapes)('over $name', (shape) => {
  /** The stream's topics: `p`, the topic under test, and the others of the shape, which receive events too. */
  const topics = shape.topics('p')
  /** One tick to every topic of the stream. */
  const tickAll = (n: number) => topics.map((topic) => tick(topic, n))

  async function serve(
    options: BrokerOptions = {},
    authorize?: Authorize,
  ): Promise<{ broker: Broker<Events>; running: Running }> {
    const broker = createBroker<Events>(memoryStore(), { pollIntervalMs: 60_000, retryMs: 20, ...options })
    const running = await httpServer((req, res) => broker.handle(req, res, { ...streamOf(topics), authorize }))
    cleanups.push(
      () => running.close(),
      () => broker.close(),
    )
    return { broker, running }
  }

  describe('authorization', () => {
    it('refuses with 403 or 401 and a short body, creating no subscriber and running before any replay', async () => {
      const seen: AuthorizeContext[] = []
      const { broker, running } = await serve({}, async (context) => {
        seen.push(context)
        await new Promise((resolve) => setImmediate(resolve))
        const token = context.req?.headers.authorization
        return token === 'Bearer good' ? true : token ? 403 : 401
      })
      const first = await broker.publish(tickAll(1))
      await broker.publish(tickAll(2))
      const position = positionAfter(
        topics,
        first.map((event) => event.id),
      )
      const none = await fetch(running.url, { headers: { 'Last-Event-ID': position } })
      expect([none.status, await none.text()]).toEqual([401, 'unauthorized'])
      const wrong = await fetch(running.url, { headers: { Authorization: 'Bearer bad' } })
      expect([wrong.status, await wrong.text()]).toEqual([403, 'forbidden'])
      expect(broker.stats()).toMatchObject({ subscribers: 0, topics: 0, delivered: 0 })
      expect(seen[0]?.lastEventId).toBe(position)
      expect(seen[0]?.topics).toEqual([...topics].sort())
      const allowed = await fetch(running.url, { headers: { Authorization: 'Bearer good' } })
      expect(allowed.status).toBe(200)
      expect(broker.stats().subscribers).toBe(1)
      await allowed.body?.cancel()
    })

    it('answers 500 when authorize throws, and reports the error', async () => {
      const errors: unknown[] = []
      const { broker, running } = await serve({ onError: (error) => errors.push(error) }, () => {
        throw new Error('auth backend down')
      })
      const response = await fetch(running.url)
      expect(response.status).toBe(500)
      expect(errors).toHaveLength(1)
      expect(broker.stats().subscribers).toBe(0)
    })

    it('ends a stream whose authorization lapsed, at the re-check interval', async () => {
      let allowed = true
      const { broker, running } = await serve({ reauthorizeMs: 20 }, () => allowed)
      const client = recordingClient(running.url, ['tick'])
      cleanups.push(() => client.close())
      await client.until((r) => r.some((m) => m.type === 'connected'))
      expect(broker.stats().subscribers).toBe(1)
      allowed = false
      await until(() => broker.stats().subscribers === 0, 5_000, 'the lapsed stream to end')
    })
  })

  describe('limits', () => {
    it('past maxSubscribers answers 200 with retry: and ends; the client comes back later and succeeds', async () => {
      const { broker, running } = await serve({ maxSubscribers: 1 })
      const first = await fetch(running.url)
      expect(broker.stats().subscribers).toBe(1)
      const refused = await fetch(running.url)
      expect(refused.status).toBe(200)
      expect(refused.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
      expect(await refused.text()).toBe('retry: 20\n\n')
      expect(broker.stats().subscribers).toBe(1)

      const client = recordingClient(running.url, ['tick'])
      cleanups.push(() => client.close())
      await until(() => client.source.readyState === 0) // EventSource keeps retrying after a 200 that ended
      await first.body?.cancel()
      await client.until((r) => r.some((m) => m.type === 'connected'))
      const published = await broker.publish(tickAll(1))
      await client.until(() => client.events().length === topics.length)
      expect(receivedByTopic(client, topics)).toEqual(idsByTopic(published))
    })

    it('maxStreamMs ends streams cleanly and the browser resumes without loss', async () => {
      const { broker, running } = await serve({ maxStreamMs: 150 })
      const client = recordingClient(running.url, ['tick'])
      cleanups.push(() => client.close())
      const published: StoredEvent[] = []
      let connects = 0
      client.source.addEventListener('connected', () => connects++)
      await client.until((r) => r.some((m) => m.type === 'connected'))
      while (connects < 3) {
        published.push(await broker.publish(tick(topics[published.length % topics.length] as string, published.length)))
        await new Promise((resolve) => setTimeout(resolve, 10)) // pacing the publisher, not synchronisation
      }
      await client.until(() => client.events().length === published.length)
      expect(receivedByTopic(client, topics)).toEqual(idsByTopic(published))
      expect(client.received.map((m) => m.type)).not.toContain('reset')
    })

    it('thousands of clients connecting and vanishing leave no subscriber behind', async () => {
      const { broker, running } = await serve()
      for (let round = 0; round < 10; round++) {
        await Promise.all(
          Array.from({ length: 200 }, async (_, i) => {
            const controller = new AbortController()
            const response = await fetch(running.url, { signal: controller.signal })
            if (i % 2) await response.body?.getReader().read()
            controller.abort()
          }),
        )
      }
      await until(() => broker.stats().subscribers === 0, 10_000, 'every vanished client to be forgotten')
      expect(broker.stats().topics).toBe(0)
    })
  })

  describe('wire safety', () => {
    it('sends no Connection header over HTTP/2', async () => {
      const broker = createBroker<Events>(memoryStore())
      const server = createHttp2Server((req, res) => void broker.handle(req as never, res as never, streamOf(topics)))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      cleanups.push(
        () => new Promise((resolve) => server.close(resolve)),
        () => broker.close(),
      )
      const client = http2Connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
      cleanups.push(() => client.close())
      const stream = client.request({ ':path': '/' })
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        stream.on('response', resolve)
        stream.on('error', reject)
      })
      expect(headers[':status']).toBe(200)
      expect(headers['content-type']).toBe('text/event-stream; charset=utf-8')
      expect(headers.connection).toBeUndefined()
      const first = await new Promise<string>((resolve) => stream.once('data', (chunk: Buffer) => resolve(chunk.toString())))
      expect(first).toMatch(/^retry: 2000\n\n/)
      stream.close()
    })

    it('streams promptly through the compression middleware (no-transform keeps it from buffering; flush() is called when present)', async () => {
      const broker = createBroker<Events>(memoryStore(), { pollIntervalMs: 60_000 })
      const app = express()
      app.use(compression())
      app.get('/events', (req, res) => broker.handle(req, res, streamOf(topics)))
      const running = await listen(createServer(app))
      cleanups.push(
        () => running.close(),
        () => broker.close(),
      )
      const client = recordingClient(`${running.url}/events`, ['tick'])
      cleanups.push(() => client.close())
      await client.until((r) => r.some((m) => m.type === 'connected'))
      const published = await broker.publish(tickAll(1))
      await client.until(() => client.events().length === topics.length, 3_000)
      expect(receivedByTopic(client, topics)).toEqual(idsByTopic(published))
    })

    it('a write after the client is gone is never an unhandled error', async () => {
      const { broker, running } = await serve()
      const sockets = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const controller = new AbortController()
          const response = await fetch(running.url, { signal: controller.signal })
          await response.body?.getReader().read()
          return controller
        }),
      )
      const publishing = Promise.all(
        Array.from({ length: 50 }, (_, n) => broker.publish(tick(topics[n % topics.length] as string, n))),
      )
      for (const controller of sockets) controller.abort()
      await publishing
      await until(() => broker.stats().subscribers === 0)
    })
  })
})
