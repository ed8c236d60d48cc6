/**
 * SSE over Node's HTTP/2 compatibility API (`http2.createSecureServer((req, res) => ...)`) with a
 * real HTTP/2 client (`node:http2`'s client session over TLS, a certificate made for the test by
 * `openssl`): the stream, its headers (no `Connection`: HTTP/2 forbids it), resume, a cancelled
 * stream and a dead session released, streams of one session independent of each other,
 * backpressure through HTTP/2 flow control, shutdown, HTTP/1.1 clients on the same server
 * (`allowHTTP1`), and `handler()` telling an HTTP/2 response from a web context.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type IncomingHttpHeaders,
} from 'node:http2'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type AuthorizeContext, type Broker, createBroker, type EventStore } from '../src/index.js'
import { storeKinds, type TestStore, tempDir } from './helpers/stores.js'
import { until } from './helpers/wait.js'

type Events = { session_updated: { sessionId: string; status: string } }

const update = (topic: string, status: string) =>
  ({ topic, type: 'session_updated', payload: { sessionId: 's1', status } }) as const

/** A self-signed certificate for 127.0.0.1 and localhost, made by `openssl` in `dir`. */
function selfSignedCertificate(dir: string): { key: Buffer; cert: Buffer } {
  const key = join(dir, 'key.pem')
  const cert = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(key), cert: readFileSync(cert) }
}

/** An SSE stream read over an HTTP/2 client session. */
interface H2EventStream {
  stream: ClientHttp2Stream
  /** The response headers, pseudo-headers included. */
  headers: Promise<IncomingHttpHeaders>
  /** Every message, `connected` included. */
  messages: EventSourceMessage[]
  /** The raw body so far. */
  body(): string
  /** The application events (not `connected`). */
  events(): EventSourceMessage[]
  /** Resolves once the server ended the stream (or it closed). */
  ended: Promise<void>
  /** Waits until `condition` holds. */
  until(condition: () => boolean, timeoutMs?: number): Promise<void>
}

/** Opens `GET path` on `session` and parses its body as SSE. */
function openStream(session: ClientHttp2Session, path: string, headers: Record<string, string> = {}): H2EventStream {
  const stream = session.request({ ':method': 'GET', ':path': path, accept: 'text/event-stream', ...headers })
  const messages: EventSourceMessage[] = []
  let body = ''
  const parser = createParser({ onEvent: (message) => messages.push(message) })
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    body += chunk
    parser.feed(chunk)
  })
  stream.on('error', () => {}) // a cancelled stream errors on the client side too
  return {
    stream,
    headers: new Promise((resolve) => stream.once('response', (received) => resolve(received))),
    messages,
    body: () => body,
    events: () => messages.filter((message) => message.event !== 'connected'),
    ended: new Promise((resolve) => stream.once('close', () => resolve())),
    until: (condition, timeoutMs = 5_000) => until(condition, timeoutMs, `stream ${path}`),
  }
}

/** Waits until the stream has had its `connected` event. */
function connected(client: H2EventStream): Promise<void> {
  return client.until(() => client.messages.some((message) => message.event === 'connected'))
}

/**
 * Node's HTTP/2 compatibility API drops a `Connection` header with an `UnsupportedWarning` instead
 * of sending it: the warnings tell whether the transport set one.
 */
const connectionHeaderWarnings: Error[] = []
const onWarning = (warning: Error) => {
  if (/connection header/i.test(warning.message)) connectionHeaderWarnings.push(warning)
}

let certificate: { key: Buffer; cert: Buffer }
const certificates = tempDir()
beforeAll(() => {
  certificate = selfSignedCertificate(certificates.dir)
  process.on('warning', onWarning)
})
afterAll(() => {
  process.off('warning', onWarning)
  certificates.remove()
})

describe.each(storeKinds)('SSE over HTTP/2 on $name store', (kind) => {
  let made: TestStore
  let store: EventStore
  let broker: Broker<Events>
  let server: Http2SecureServer
  let url: string
  const serverSessions = new Set<Http2Session>()
  const clientSessions: ClientHttp2Session[] = []
  /** What `authorize` was told, per call. */
  const authorized: AuthorizeContext[] = []

  /** `/events/:topic` through `broker.handle`; `/handler/:topic` through `broker.handler`, which requires a token. */
  const routes = (b: Broker<Events>) => {
    const viaHandler = b.handler({
      topic: (req: Http2ServerRequest, _res: Http2ServerResponse) =>
        decodeURIComponent(req.url.split('?')[0]?.split('/')[2] ?? ''),
      authorize: (context) => {
        authorized.push(context)
        return context.req?.headers.authorization === 'Bearer token' ? true : 401
      },
    })
    // With `allowHTTP1`, an HTTP/1.1 request arrives as node:http's IncomingMessage and ServerResponse.
    return (req: Http2ServerRequest, res: Http2ServerResponse) => {
      const [, route, topic] = req.url.split('?')[0]?.split('/') ?? []
      if (route === 'events') return void b.handle(req, res, { topic: decodeURIComponent(topic ?? '') })
      if (route === 'handler') return void viaHandler(req, res)
      res.writeHead(404).end()
    }
  }

  /** A new client session to the server (HTTP/2 over TLS, trusting the test's certificate). */
  async function session(): Promise<ClientHttp2Session> {
    const client = connect(url, { ca: certificate.cert })
    clientSessions.push(client)
    client.on('error', () => {})
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
    })
    expect(client.alpnProtocol).toBe('h2')
    return client
  }

  beforeEach(async () => {
    connectionHeaderWarnings.length = 0
    made = await kind.make()
    store = made.store
    broker = createBroker<Events>(store, { pollIntervalMs: 60_000, retryMs: 50, queueLimit: 20 })
    server = createSecureServer({ ...certificate, allowHTTP1: true }, routes(broker))
    server.on('session', (serverSession) => {
      serverSessions.add(serverSession)
      serverSession.once('close', () => serverSessions.delete(serverSession))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `https://localhost:${(server.address() as AddressInfo).port}`
  })
  afterEach(async () => {
    authorized.length = 0
    await broker.close()
    for (const client of clientSessions.splice(0)) client.destroy()
    for (const serverSession of serverSessions) serverSession.destroy()
    await new Promise((resolve) => server.close(resolve))
    await made.dispose()
  })

  it('streams retry, connected, then events, with the SSE headers and no Connection header', async () => {
    const client = openStream(await session(), '/events/p1')
    const headers = await client.headers
    expect(headers[':status']).toBe(200)
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(headers['cache-control']).toBe('no-cache, no-transform')
    expect(headers['x-accel-buffering']).toBe('no')
    expect(headers.connection).toBeUndefined()
    await connected(client)
    expect(connectionHeaderWarnings).toEqual([])
    expect(client.body()).toMatch(/^retry: 50\n\nid: \S+\nevent: connected\ndata: \{\}\n\n$/)

    const first = await broker.publish(update('p1', 'running'))
    const second = await broker.publish(update('p1', 'done'))
    await broker.publish(update('p2', 'elsewhere'))
    await client.until(() => client.events().length >= 2)
    expect(client.events().map(({ id, event, data }) => ({ id, event, data: JSON.parse(data) }))).toEqual([
      { id: first.id, event: 'session_updated', data: first },
      { id: second.id, event: 'session_updated', data: second },
    ])
    expect(broker.stats().subscribers).toBe(1)
  })

  it('resumes after Last-Event-ID on a new stream, with the events published while none was open', async () => {
    const client = await session()
    const before = openStream(client, '/events/p1')
    await connected(before)
    const seen = await broker.publish(update('p1', 'running'))
    await before.until(() => before.events().length === 1)
    before.stream.close(constants.NGHTTP2_CANCEL)
    await until(() => broker.stats().subscribers === 0, 5_000, 'the cancelled stream to be released')

    const missed = [await broker.publish(update('p1', 'paused')), await broker.publish(update('p1', 'done'))]
    const after = openStream(client, '/events/p1', { 'last-event-id': seen.id })
    await after.until(() => after.events().length >= 2)
    const live = await broker.publish(update('p1', 'idle'))
    await after.until(() => after.events().length >= 3)
    expect(after.events().map((message) => message.id)).toEqual([...missed, live].map((event) => event.id))
  })

  it('releases a cancelled stream while the other streams of its session carry on', async () => {
    const client = await session()
    const cancelled = openStream(client, '/events/p1')
    const kept = openStream(client, '/events/p1')
    await Promise.all([connected(cancelled), connected(kept)])
    expect(serverSessions.size).toBe(1)
    expect(broker.stats().subscribers).toBe(2)

    cancelled.stream.close(constants.NGHTTP2_CANCEL)
    await cancelled.ended
    await until(() => broker.stats().subscribers === 1, 5_000, 'the cancelled stream to be released')
    const event = await broker.publish(update('p1', 'running'))
    await kept.until(() => kept.events().length === 1)
    expect(kept.events()[0]?.id).toBe(event.id)
    expect(cancelled.events()).toEqual([])
    expect([client.closed, client.destroyed]).toEqual([false, false])
  })

  it('releases every stream of a session that dies', async () => {
    const client = await session()
    const streams = [openStream(client, '/events/p1'), openStream(client, '/events/p2')]
    await Promise.all(streams.map(connected))
    expect(broker.stats()).toMatchObject({ subscribers: 2, topics: 2 })
    client.destroy()
    await until(() => broker.stats().subscribers === 0 && broker.stats().topics === 0, 5_000, 'the streams to be released')
  })

  it('a client that stops reading is held back by flow control, then catches up with every event once, in order', async () => {
    const client = openStream(await session(), '/events/p1')
    await connected(client)
    client.stream.pause()
    const published: string[] = []
    const filler = 'x'.repeat(2_000)
    // 600 events of ~2 KB: far beyond the stream's 64 KiB window and the response's buffer.
    for (let i = 0; i < 600; i++) published.push((await broker.publish(update('p1', `${i} ${filler}`))).id)
    await until(() => broker.stats().lagging === 1, 10_000, 'the stream to fall behind (queueLimit 20)')
    client.stream.resume()
    await client.until(() => client.events().length >= published.length, 20_000)
    expect(client.events().map((message) => message.id)).toEqual(published)
    await until(() => broker.stats().lagging === 0, 5_000, 'the stream to rejoin live')
    const live = await broker.publish(update('p1', 'live again'))
    await client.until(() => client.events().length === published.length + 1)
    expect(client.events().at(-1)?.id).toBe(live.id)
  })

  it('broker.close() ends each stream with a retry hint and leaves the session open; a new stream gets 200, retry and an end', async () => {
    const client = await session()
    const open = openStream(client, '/events/p1')
    await connected(open)
    await broker.close()
    await open.ended
    expect(open.body()).toMatch(/retry: \d+\n\n$/)
    expect([client.closed, client.destroyed]).toEqual([false, false])

    const late = openStream(client, '/events/p1')
    const headers = await late.headers
    await late.ended
    expect(headers[':status']).toBe(200)
    expect(headers.connection).toBeUndefined()
    expect(late.body()).toBe('retry: 50\n\n')
    expect(connectionHeaderWarnings).toEqual([])
  })

  it('serves HTTP/1.1 clients on the same server (allowHTTP1) as HTTP/1.1: Connection: keep-alive, closed when the stream ends', async () => {
    const messages: EventSourceMessage[] = []
    const parser = createParser({ onEvent: (message) => messages.push(message) })
    const { port } = new URL(url)
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const request = httpsRequest({ host: '127.0.0.1', servername: 'localhost', port, path: '/events/p1', ca: certificate.cert })
      request.on('response', resolve).on('error', reject).end()
    })
    expect([response.httpVersion, response.statusCode, response.headers.connection]).toEqual(['1.1', 200, 'keep-alive'])
    response.setEncoding('utf8').on('data', (chunk: string) => parser.feed(chunk))
    const socketClosed = new Promise((resolve) => response.socket.once('close', resolve))
    await until(() => messages.some((message) => message.event === 'connected'), 5_000, 'connected')
    const event = await broker.publish(update('p1', 'running'))
    await until(() => messages.length === 2, 5_000, 'the event')
    expect(messages[1]?.id).toBe(event.id)
    await broker.close()
    await socketClosed // the server closes an HTTP/1.1 connection whose stream it ended
  })

  it('handler() tells an HTTP/2 response from a web context and writes to it; authorize sees the Http2ServerRequest', async () => {
    const client = await session()
    const refused = openStream(client, '/handler/p1')
    const refusedHeaders = await refused.headers
    await refused.ended
    expect([refusedHeaders[':status'], refused.body()]).toEqual([401, 'unauthorized'])

    const allowed = openStream(client, '/handler/p1', { authorization: 'Bearer token' })
    await connected(allowed)
    const event = await broker.publish(update('p1', 'running'))
    await allowed.until(() => allowed.events().length === 1)
    expect(allowed.events()[0]?.id).toBe(event.id)
    expect(authorized.map(({ topic, req }) => [topic, req?.httpVersion])).toEqual([
      ['p1', '2.0'],
      ['p1', '2.0'],
    ])
  })
})
