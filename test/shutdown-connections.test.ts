/**
 * A stream the server ends must not leave its connection to carry the browser back: over HTTP/1.1
 * keep-alive (what `EventSource` uses), a reconnect over the old socket lands in the process that
 * is shutting down, again and again, and `server.close()` never completes. Real servers, real
 * `EventSource` clients (undici keeps connections alive), real HTTP/2 sessions.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createServer as createHttp2Server, connect as http2Connect } from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { closeServer } from '../examples/shared/serve.js'
import { type Broker, type BrokerOptions, createBroker, memoryStore } from '../src/index.js'
import { listen } from './helpers/servers.js'
import { recordingClient } from './helpers/sse-client.js'
import { until } from './helpers/wait.js'

const CLIENTS = 20

let cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

/** For each request, whether its socket had carried a request before. */
function watchRequests(server: Server) {
  const seen = new WeakSet<Socket>()
  const requests: Array<{ reused: boolean }> = []
  server.on('request', (req: IncomingMessage) => {
    requests.push({ reused: seen.has(req.socket) })
    seen.add(req.socket)
  })
  return requests
}

/** Opens `CLIENTS` EventSource clients on `url` and waits until every one is connected. */
async function openClients(url: string) {
  const clients = Array.from({ length: CLIENTS }, () => recordingClient(url, []))
  cleanups.push(() => {
    for (const client of clients) client.close()
  })
  await Promise.all(clients.map((client) => client.until((received) => received.some((m) => m.type === 'connected'))))
  return clients
}

/** A broker on a memory store (`retry: 50` unless `options` say otherwise), `make`'s server for it listening, both closed after the test. */
async function serve(make: (broker: Broker) => Server, options: BrokerOptions = {}) {
  const broker = createBroker(memoryStore(), { pollIntervalMs: 60_000, retryMs: 50, ...options })
  const server = make(broker)
  const requests = watchRequests(server)
  const { url } = await listen(server)
  cleanups.push(
    () => broker.close(),
    () => new Promise((resolve) => server.close(resolve)),
    () => server.closeAllConnections(),
  )
  return { broker, server, requests, url }
}

const nodeServers: Record<string, (broker: Broker) => Server> = {
  'node:http': (broker) => createServer((req, res) => void broker.handle(req, res, { topic: 'p' })),
  'Express 5': (broker) => {
    const app = express()
    app.get('/', (req, res) => broker.handle(req, res, { topic: 'p' }))
    return createServer(app)
  },
}

describe.each(Object.entries(nodeServers))('Node responses (%s)', (_name, make) => {
  it('a stream asked for while close() waits for a publish in flight gets "retry later", not a stream that ends at once', async () => {
    const store = memoryStore()
    let commit = () => {}
    const committing = new Promise<void>((resolve) => (commit = resolve))
    const append = store.append.bind(store)
    store.append = async (drafts, options) => {
      await committing
      return append(drafts, options)
    }
    const broker = createBroker(store, { pollIntervalMs: 60_000, retryMs: 50 })
    const running = await listen(make(broker))
    cleanups.push(
      () => broker.close(),
      () => running.close(),
    )
    const publishing = broker.publish({ topic: 'p', type: 't', payload: {} })
    const closing = broker.close()
    const answer = await fetch(running.url, { signal: AbortSignal.timeout(5_000) })
    expect([answer.headers.get('connection'), await answer.text()]).toEqual(['close', 'retry: 50\n\n'])
    commit()
    await Promise.all([publishing, closing])
  })

  it('after broker.close() every browser comes back on a new connection, twice: the ended stream and the "retry later" answer both close theirs', async () => {
    const { broker, requests, url } = await serve(make)
    await openClients(url)
    const before = requests.length
    await broker.close()
    await until(() => requests.length >= before + 2 * CLIENTS, 10_000, 'two reconnects per client')
    expect(requests.slice(before).filter((request) => request.reused)).toEqual([])
    const later = await fetch(url)
    expect([later.headers.get('connection'), await later.text()]).toEqual(['close', 'retry: 50\n\n'])
  })

  it('a stream ended by maxStreamMs closes its connection too; the resumed stream comes on a new one', async () => {
    const { requests, url } = await serve(make, { maxStreamMs: 100 })
    const clients = await openClients(url)
    await Promise.all(
      clients.map((client) => client.until((received) => received.filter((m) => m.type === 'connected').length >= 2)),
    )
    expect(requests.length).toBeGreaterThanOrEqual(2 * CLIENTS)
    expect(requests.filter((request) => request.reused)).toEqual([])
  })

  it('with `await broker.close(); server.close()`, the order the README gives, the server closes before any browser comes back', async () => {
    const { broker, server, requests, url } = await serve(make, { retryMs: 2_000 })
    await openClients(url)
    const before = requests.length
    await broker.close()
    await new Promise((resolve) => server.close(resolve))
    expect(requests.length).toBe(before)
  })
})

describe('Node responses over HTTP/2', () => {
  it('ending the streams and answering "retry later" leave the session open, with no Connection header', async () => {
    const broker = createBroker(memoryStore(), { pollIntervalMs: 60_000, retryMs: 50 })
    const server = createHttp2Server((req, res) => void broker.handle(req as never, res as never, { topic: 'p' }))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const session = http2Connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    cleanups.push(
      () => broker.close(),
      () => new Promise((resolve) => server.close(resolve)),
      () => session.close(),
    )
    const get = () => {
      const stream = session.request({ ':path': '/' })
      let text = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => {
        text += chunk
      })
      const ended = new Promise<string>((resolve) => stream.on('end', () => resolve(text)))
      const headers = new Promise<Record<string, unknown>>((resolve) => stream.on('response', resolve))
      return { ended, headers, text: () => text }
    }
    const streams = [get(), get()]
    await until(() => streams.every((stream) => stream.text().includes('event: connected')))
    await broker.close()
    for (const stream of streams) expect(await stream.ended).toMatch(/retry: \d+\n\n$/)
    const later = get()
    expect(await later.ended).toBe('retry: 50\n\n')
    expect((await later.headers).connection).toBeUndefined()
    expect(session.closed || session.destroyed).toBe(false)
  })
})

describe('web responses on a Node server (@hono/node-server, as under Next.js)', () => {
  const webServer = (broker: Broker) => createServer(getRequestListener((request) => broker.response(request, { topic: 'p' })))

  it('a server that only calls server.close() after broker.close() (as `next start` does) closes once every browser came back once over its old socket and got "retry later" with Connection: close', async () => {
    const { broker, server, requests, url } = await serve(webServer, { retryMs: 200 })
    await openClients(url)
    const before = requests.length
    let closed = false
    await broker.close()
    server.close(() => {
      closed = true
    })
    await until(() => closed, 10_000, 'the server to close')
    const after = requests.slice(before)
    expect(after).toHaveLength(CLIENTS)
    expect(after.every((request) => request.reused)).toBe(true)
  })

  it('closeServer (close, then drop connections as they go idle: the README recipe) closes before any browser comes back', async () => {
    const { broker, server, requests, url } = await serve(webServer, { retryMs: 2_000 })
    const clients = await openClients(url)
    const before = requests.length
    await broker.close()
    await closeServer(server)
    expect(requests.length).toBe(before)
    await Promise.all(clients.map((client) => until(() => client.source.readyState === client.source.CONNECTING)))
  })
})
