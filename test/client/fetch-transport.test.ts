/**
 * The fetch transport of `connect()` (chosen by `headers` or `fetch`) against a real node:http
 * server running the broker, with Node's own `fetch`: headers on every (re)connection, 401/403,
 * 204, proxy 502s, wrong content types, clean ends with `retry:`, and opaque resume ids.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  type ClientError,
  type Connection,
  ConnectionFailedError,
  type ConnectionStatus,
  type ConnectOptions,
  connect,
  type ResetDetail,
  type StoredEvent,
  UnauthorizedError,
} from '../../src/client/index.js'
import { type Broker, createBroker, type EventStore, memoryStore } from '../../src/index.js'
import { httpServer, type Running } from '../helpers/servers.js'
import { until } from '../helpers/wait.js'

type AppEvents = { session_updated: { sessionId: string; status: string } }

/** One request as the server saw it. */
interface Seen {
  path: string
  at: number
  authorization: string | undefined
  lastEventIdHeader: string | undefined
  lastEventIdQuery: string | null
  status?: number
}

let store: EventStore
let broker: Broker<AppEvents>
let app: Running
/** What the front answers instead of the app: nothing (the app answers), a proxy's 502, or an HTML page. */
let front: 'app' | '502' | 'html' = 'app'
/** Tokens `authorize` accepts. */
const accepted = new Set<string>()
const requests: Seen[] = []
const authorized: (string | undefined)[] = []
const connections: Connection<AppEvents>[] = []

/** A long opaque cursor, like the ids of a stream over many topics. */
const cursor = (n: number) =>
  `c1.${Array.from({ length: 80 }, (_, topic) => `project-${topic}:k3f9a2b1.${n * 7 + topic}`).join(',')}`

function event(id: string, status: string): string {
  const data = {
    id,
    type: 'session_updated',
    topic: 't',
    payload: { sessionId: 's1', status },
    createdAt: new Date().toISOString(),
  }
  return `id: ${id}\nevent: session_updated\ndata: ${JSON.stringify(data)}\n\n`
}

/** A foreign server that sends one event per connection, then ends the stream cleanly after `retry:`. */
function oneEventPerConnection(req: IncomingMessage, res: ServerResponse): void {
  const last = req.headers['last-event-id'] as string | undefined
  const next = last === undefined ? 1 : Number(/^c1\.project-0:k3f9a2b1\.(\d+),/.exec(last)?.[1]) / 7 + 1
  res.writeHead(200, { 'Content-Type': 'text/event-stream' })
  res.end(`retry: 40\n\nevent: connected\ndata: {}\n\n${event(cursor(next), `n${next}`)}`)
}

function resets(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' })
  res.write('id: a.1\nevent: reset\ndata: {"reason":"pruned","topic":"project-1"}\n\n')
  res.write('id: a.2\nevent: reset\ndata: {"reason":"foreign","topic":"user-42"}\n\n')
  res.write('id: a.3\nevent: reset\ndata: {"reason":"ahead"}\n\nevent: connected\ndata: {}\n\n')
}

beforeAll(async () => {
  store = memoryStore()
  broker = createBroker<AppEvents>(store, { retryMs: 50, heartbeatMs: 0, onError: () => {} })
  app = await httpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const seen: Seen = {
      path: url.pathname,
      at: Date.now(),
      authorization: req.headers.authorization,
      lastEventIdHeader: req.headers['last-event-id'] as string | undefined,
      lastEventIdQuery: url.searchParams.get('lastEventId'),
    }
    requests.push(seen)
    res.on('finish', () => {
      seen.status = res.statusCode
    })
    if (front === '502') return res.writeHead(502, { 'Content-Type': 'text/html' }).end('<h1>502 Bad Gateway</h1>')
    if (front === 'html') return res.writeHead(200, { 'Content-Type': 'text/html' }).end('<h1>maintenance</h1>')
    if (url.pathname === '/no-content') return res.writeHead(204).end()
    if (url.pathname === '/cursor') return oneEventPerConnection(req, res)
    if (url.pathname === '/resets') return resets(res)
    const topic = /^\/events\/([^/]+)$/.exec(url.pathname)?.[1]
    if (!topic) return res.writeHead(404).end()
    return broker.handle(req, res, {
      topic,
      authorize: ({ req: request }) => {
        const authorization = request?.headers.authorization
        authorized.push(authorization)
        if (url.pathname.endsWith('/forbidden')) return 403
        return authorization !== undefined && accepted.has(authorization) ? true : 401
      },
    })
  })
})

afterEach(() => {
  front = 'app'
  accepted.clear()
  requests.length = 0
  authorized.length = 0
  for (const connection of connections.splice(0)) connection.close()
})

afterAll(async () => {
  await broker.close()
  await app.close()
  await store.close()
})

/** Connects over the fetch transport and records what the connection reports. */
function open(path: string, extra: Partial<ConnectOptions<AppEvents>>) {
  const seen: StoredEvent[] = []
  const statuses: ConnectionStatus[] = []
  const resetsSeen: ResetDetail[] = []
  const errors: ClientError[] = []
  const connection = connect<AppEvents>(`${app.url}${path}`, {
    backoffMs: 20,
    maxBackoffMs: 200,
    ...extra,
    handlers: { session_updated: (event) => seen.push(event) },
    onStatus: (status) => statuses.push(status),
    onReset: (reason, reset) => {
      expect(reason).toBe(reset.reason)
      resetsSeen.push(reset)
    },
    onError: (error) => errors.push(error),
  })
  connections.push(connection)
  return { connection, seen, statuses, resets: resetsSeen, errors }
}

const publish = (topic: string, status: string) =>
  broker.publish({ topic, type: 'session_updated', payload: { sessionId: 's1', status } })
const statusesOf = (events: StoredEvent[]) => events.map((event) => (event.payload as { status: string }).status)

describe('connect() over fetch', () => {
  it('sends the headers on the first connection and on every reconnect, and loses nothing across drops and 502s', async () => {
    let issued = 0
    const headers = () => {
      const token = `Bearer ok-${++issued}`
      accepted.add(token)
      return { Authorization: token }
    }
    const { connection, seen, statuses, errors } = open('/events/auth', { headers })
    await until(() => connection.status === 'open', 5_000, 'open')
    await publish('auth', 'a')

    app.server.closeAllConnections()
    await until(() => statuses.filter((status) => status === 'open').length === 2, 5_000, 'open after a drop')
    await publish('auth', 'b')
    await until(() => seen.length === 2, 5_000, 'b')

    front = '502'
    app.server.closeAllConnections()
    await until(() => requests.filter((request) => request.status === 502).length >= 3, 5_000, 'three 502s')
    await publish('auth', 'c')
    await publish('auth', 'd')
    front = 'app'
    await until(() => statuses.filter((status) => status === 'open').length === 3, 5_000, 'open after the 502s')
    await publish('auth', 'e')
    await until(() => seen.length === 5, 5_000, 'e')

    expect(statusesOf(seen)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(new Set(seen.map((event) => event.id)).size).toBe(5)
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'open', 'reconnecting', 'open'])
    // Every request carried a token from headers(), fetched anew for it.
    expect(requests.map((request) => request.authorization)).toEqual(requests.map((_, index) => `Bearer ok-${index + 1}`))
    expect(authorized).toEqual(requests.filter((request) => request.status !== 502).map((request) => request.authorization))
    expect(authorized.length).toBe(3)
    // Each reconnect resumed with the Last-Event-ID header, never the query parameter.
    expect(requests[0]?.lastEventIdHeader).toBeUndefined()
    expect(requests.slice(1).every((request) => request.lastEventIdHeader !== undefined)).toBe(true)
    expect(requests.every((request) => request.lastEventIdQuery === null)).toBe(true)
    // The 502s were reported, each saying the client goes on.
    const failures = errors.filter((error) => error instanceof ConnectionFailedError)
    expect(failures.length).toBeGreaterThanOrEqual(3)
    expect(
      failures.every((error) => (error as ConnectionFailedError).status === 502 && (error as ConnectionFailedError).retrying),
    ).toBe(true)
  })

  it('backs off exponentially, with jitter, up to the ceiling, while the proxy answers 502', async () => {
    front = '502'
    const { errors } = open('/events/backoff', { headers: {}, backoffMs: 40, maxBackoffMs: 160 })
    await until(() => requests.length >= 7, 10_000, 'seven attempts')
    const gaps = requests.slice(1, 7).map((request, index) => request.at - (requests[index] as Seen).at)
    // The n-th delay lies in [d/2, d] with d = min(160, 40 * 2^n): 20+, 40+, 80+, then 80+ at the ceiling.
    const floors = [20, 40, 80, 80, 80, 80]
    for (const [index, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual((floors[index] as number) - 2)
    expect(Math.max(...gaps.slice(3))).toBeLessThan(160 + 1_000)
    expect(errors.length).toBeGreaterThanOrEqual(6)
  })

  it('ends with an UnauthorizedError on 401, without retrying', async () => {
    const { connection, statuses, errors } = open('/events/denied', {
      headers: { Authorization: 'Bearer expired' },
      backoffMs: 5,
    })
    await until(() => connection.status === 'closed', 5_000, 'closed')
    expect(statuses).toEqual(['connecting', 'closed'])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(UnauthorizedError)
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED', status: 401, retrying: false })
    // A retrying client with a 5 ms backoff would have made several more requests in this window.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(requests).toHaveLength(1)
  })

  it('ends with an UnauthorizedError when a reconnect is refused, and a 403 says forbidden', async () => {
    accepted.add('Bearer revoked-soon')
    const { connection, statuses, errors } = open('/events/revoked', { headers: { Authorization: 'Bearer revoked-soon' } })
    await until(() => connection.status === 'open', 5_000, 'open')
    accepted.clear()
    app.server.closeAllConnections()
    await until(() => connection.status === 'closed', 5_000, 'closed')
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'closed'])
    expect(errors).toEqual([expect.any(UnauthorizedError)])
    expect(authorized).toEqual(['Bearer revoked-soon', 'Bearer revoked-soon'])

    const forbidden = open('/events/forbidden', { headers: { Authorization: 'Bearer x' } })
    await until(() => forbidden.connection.status === 'closed', 5_000, 'closed')
    expect(forbidden.errors[0]).toMatchObject({ code: 'UNAUTHORIZED', status: 403 })
  })

  it('stops without an error on 204', async () => {
    const { connection, statuses, errors } = open('/no-content', { headers: {}, backoffMs: 5 })
    await until(() => connection.status === 'closed', 5_000, 'closed')
    expect(statuses).toEqual(['connecting', 'closed'])
    expect(errors).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(requests).toHaveLength(1)
  })

  it('retries an answer that is not text/event-stream, then resumes', async () => {
    accepted.add('Bearer t')
    front = 'html'
    const { connection, errors } = open('/events/typed', { headers: { Authorization: 'Bearer t' } })
    await until(() => errors.length >= 2, 5_000, 'two failures')
    expect(connection.status).toBe('reconnecting')
    expect(errors[0]).toBeInstanceOf(ConnectionFailedError)
    expect(errors[0]).toMatchObject({ status: 200, retrying: true })
    expect(errors[0]?.message).toMatch(/text\/html, not text\/event-stream/)
    front = 'app'
    await until(() => connection.status === 'open', 5_000, 'open')
  })

  it('reconnects after a clean end, after the retry: delay, resuming with the opaque id unchanged', async () => {
    const { seen, connection } = open('/cursor', { headers: {}, backoffMs: 5_000 })
    await until(() => seen.length >= 4, 10_000, 'four events over four connections')
    connection.close()
    expect(seen.slice(0, 4).map((event) => event.id)).toEqual([1, 2, 3, 4].map(cursor))
    expect(cursor(1).length).toBeGreaterThan(1_500)
    expect(requests.slice(1, 4).map((request) => request.lastEventIdHeader)).toEqual([1, 2, 3].map(cursor))
    for (const [index, request] of requests.slice(1, 4).entries()) {
      const gap = request.at - (requests[index] as Seen).at
      expect(gap).toBeGreaterThanOrEqual(38)
      expect(gap).toBeLessThan(2_000) // retry: 40, not the 5 s backoff
    }
  })

  it('sends the lastEventId option as the Last-Event-ID header of the first request', async () => {
    const [first, second] = await broker.publish([
      { topic: 'option', type: 'session_updated', payload: { sessionId: 's1', status: '1' } },
      { topic: 'option', type: 'session_updated', payload: { sessionId: 's1', status: '2' } },
    ])
    accepted.add('Bearer o')
    const { seen } = open('/events/option', { headers: { Authorization: 'Bearer o' }, lastEventId: first?.id })
    await until(() => seen.length === 1, 5_000, 'the missed event')
    expect(seen[0]?.id).toBe(second?.id)
    expect(requests[0]).toMatchObject({ lastEventIdHeader: first?.id, lastEventIdQuery: null })
  })

  it('hands onReset the reason and the topic of each reset', async () => {
    const { resets, connection } = open('/resets', { headers: {} })
    await until(() => connection.status === 'open', 5_000, 'open')
    expect(resets).toEqual([
      { reason: 'pruned', topic: 'project-1' },
      { reason: 'foreign', topic: 'user-42' },
      { reason: 'ahead' },
    ])
    expect(connection.lastEventId).toBe('a.3')
  })

  it('uses the fetch option for every request', async () => {
    accepted.add('Bearer f')
    const calls: RequestInit[] = []
    const { connection } = open('/events/custom-fetch', {
      fetch: (input, init) => {
        calls.push(init)
        return fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers)), authorization: 'Bearer f' } })
      },
    })
    await until(() => connection.status === 'open', 5_000, 'open')
    expect(calls).toHaveLength(1)
    expect(new Headers(calls[0]?.headers).get('accept')).toBe('text/event-stream')
    expect(calls[0]).toMatchObject({ credentials: 'same-origin', cache: 'no-store' })
  })
})
