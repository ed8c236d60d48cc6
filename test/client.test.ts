import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build } from 'esbuild'
import { EventSource } from 'eventsource'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { leaks, measureClientBundles, type Piece } from '../scripts/bundle-size.js'
import {
  type ClientError,
  type Connection,
  ConnectionFailedError,
  type ConnectionStatus,
  connect,
  InvalidEventDataError,
  type ResetDetail,
  type ResetReason,
  type StoredEvent,
  UnauthorizedError,
} from '../src/client/index.js'
import { type Broker, createBroker, type EventStore, memoryStore } from '../src/index.js'

type AppEvents = {
  session_updated: { sessionId: string; status: string }
  workspace_updated: { workspaceId: string; status: string }
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
async function until(what: string, condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A foreign SSE endpoint: one frame with invalid JSON between two valid events. */
function foreignStream(res: ServerResponse): void {
  const event = (id: string, status: string) =>
    `id: ${id}\nevent: session_updated\ndata: ${JSON.stringify({ id, type: 'session_updated', topic: 'x', payload: { sessionId: 's1', status }, createdAt: new Date().toISOString() })}\n\n`
  res.writeHead(200, { 'Content-Type': 'text/event-stream' })
  res.write('retry: 60000\n\nevent: connected\ndata: {}\n\n')
  res.write(event('f.1', 'first'))
  res.write('id: f.2\nevent: session_updated\ndata: {not json\n\n')
  res.write('id: f.3\nevent: session_updated\ndata: [1,2]\n\n')
  res.write('event: reset\ndata: {"reason":"bogus"}\n\n')
  res.write('event: reset\ndata: {"reason":"pruned","topic":"project-1"}\n\n')
  res.write(event('f.4', 'last'))
}

let store: EventStore
let broker: Broker<AppEvents>
let server: Server
let base: string
/** While true, every request's socket is destroyed: the server looks down. */
let down = false
/** While true, every request gets a proxy's 502 page: the app behind the proxy is down. */
let badGateway = false
/** The URL of every request, in order. */
const requested: URL[] = []
const connections: Connection<AppEvents>[] = []

beforeAll(async () => {
  store = memoryStore()
  broker = createBroker<AppEvents>(store, { retryMs: 50, heartbeatMs: 0, onError: () => {} })
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (down) {
      req.socket.destroy()
      return
    }
    const url = new URL(req.url ?? '/', 'http://localhost')
    requested.push(url)
    if (badGateway) return void res.writeHead(502, { 'Content-Type': 'text/html' }).end('<h1>502 Bad Gateway</h1>')
    const path = url.pathname
    if (path === '/foreign') return foreignStream(res)
    if (path === '/no-content') return void res.writeHead(204).end()
    if (path === '/unauthorized') return void broker.handle(req, res, { topic: 'p1', authorize: () => 401 })
    if (path === '/forbidden') return void broker.handle(req, res, { topic: 'p1', authorize: () => 403 })
    const topic = /^\/events\/([^/]+)$/.exec(path)?.[1]
    if (topic) return void broker.handle(req, res, { topic })
    res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(() => {
  down = false
  badGateway = false
  requested.length = 0
  for (const connection of connections.splice(0)) connection.close()
})

afterAll(async () => {
  await broker.close()
  server.closeAllConnections()
  server.close()
  await store.close()
})

/** Connects with the `eventsource` package and records what the connection reports. */
function open(path: string, extra: { lastEventId?: string } = {}) {
  const seen: StoredEvent[] = []
  const statuses: ConnectionStatus[] = []
  const resets: ResetReason[] = []
  const details: ResetDetail[] = []
  const errors: ClientError[] = []
  const connection = connect<AppEvents>(`${base}${path}`, {
    EventSource,
    backoffMs: 20,
    ...extra,
    handlers: {
      session_updated: (event) => seen.push(event),
      workspace_updated: (event) => seen.push(event),
    },
    onStatus: (status) => statuses.push(status),
    onReset: (reason, detail) => {
      resets.push(reason)
      details.push(detail)
    },
    onError: (error) => errors.push(error),
  })
  connections.push(connection)
  return { connection, seen, statuses, resets, details, errors }
}

describe('connect()', () => {
  it('hands each typed handler its parsed event, with the stored id', async () => {
    const { connection, seen } = open('/events/typed')
    await until('open', () => connection.status === 'open')
    const published = await broker.publish([
      { topic: 'typed', type: 'session_updated', payload: { sessionId: 's1', status: 'running' } },
      { topic: 'typed', type: 'workspace_updated', payload: { workspaceId: 'w1', status: 'ready' } },
    ])
    await until('two events', () => seen.length === 2)
    expect(seen).toEqual(published)
    expect(seen[0]).toMatchObject({ type: 'session_updated', topic: 'typed', payload: { sessionId: 's1' } })
    expect(connection.lastEventId).toBe(published[1]?.id)
  })

  it('reports connecting, open, reconnecting, open, closed and resumes without loss or repeat', async () => {
    const { connection, seen, statuses } = open('/events/resume')
    await until('open', () => connection.status === 'open')
    expect(statuses).toEqual(['connecting', 'open'])
    await broker.publish({ topic: 'resume', type: 'session_updated', payload: { sessionId: 's1', status: 'a' } })
    await until('first event', () => seen.length === 1)

    down = true
    server.closeAllConnections()
    await until('reconnecting', () => connection.status === 'reconnecting')
    const missed = await broker.publish([
      { topic: 'resume', type: 'session_updated', payload: { sessionId: 's1', status: 'b' } },
      { topic: 'resume', type: 'session_updated', payload: { sessionId: 's1', status: 'c' } },
    ])
    down = false
    await until('open again', () => connection.status === 'open')
    const live = await broker.publish({ topic: 'resume', type: 'session_updated', payload: { sessionId: 's1', status: 'd' } })
    await until('the live event', () => seen.at(-1)?.id === live.id)
    expect(seen.map((event) => (event.payload as { status: string }).status)).toEqual(['a', 'b', 'c', 'd'])
    expect(seen.slice(1, 3)).toEqual(missed)

    connection.close()
    connection.close()
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed'])
    await until('the server drops the subscriber', () => broker.stats().subscribers === 0)
    await broker.publish({ topic: 'resume', type: 'session_updated', payload: { sessionId: 's1', status: 'e' } })
    expect(seen).toHaveLength(4)
  })

  it('resumes a first connection from the lastEventId option', async () => {
    const [first, second] = await broker.publish([
      { topic: 'option', type: 'session_updated', payload: { sessionId: 's1', status: '1' } },
      { topic: 'option', type: 'session_updated', payload: { sessionId: 's1', status: '2' } },
    ])
    const { connection, seen, resets } = open('/events/option', { lastEventId: first?.id })
    await until('open', () => connection.status === 'open')
    await until('the missed event', () => seen.length === 1)
    expect(seen[0]?.id).toBe(second?.id)
    expect(resets).toEqual([])
  })

  it('calls onReset when the server cannot resume from the id, then delivers live events', async () => {
    const { connection, seen, resets } = open('/events/reset', { lastEventId: 'zzzzzzzz.7' })
    await until('reset', () => resets.length === 1)
    expect(resets).toEqual<ResetReason[]>(['foreign'])
    await until('open', () => connection.status === 'open')
    const live = await broker.publish({ topic: 'reset', type: 'session_updated', payload: { sessionId: 's1', status: 'x' } })
    await until('the live event', () => seen.length === 1)
    expect(seen[0]?.id).toBe(live.id)
  })

  it('calls onReset with "pruned" when the id was deleted by retention', async () => {
    const [old] = await broker.publish([
      { topic: 'pruned', type: 'session_updated', payload: { sessionId: 's1', status: 'old' } },
      { topic: 'pruned', type: 'session_updated', payload: { sessionId: 's1', status: 'older' } },
    ])
    await store.deleteBefore(new Date(Date.now() + 1_000))
    const { resets } = open('/events/pruned', { lastEventId: old?.id })
    await until('reset', () => resets.length === 1)
    expect(resets).toEqual<ResetReason[]>(['pruned'])
  })

  it('reports data that is not an event through onError, skips it, and carries on', async () => {
    const { seen, errors, resets, details, connection } = open('/foreign')
    await until('the last event', () => seen.length === 2)
    expect(seen.map((event) => event.id)).toEqual(['f.1', 'f.4'])
    expect(errors).toHaveLength(3)
    expect(errors.every((error) => error instanceof InvalidEventDataError)).toBe(true)
    expect(errors.map((error) => (error as InvalidEventDataError).eventType)).toEqual([
      'session_updated',
      'session_updated',
      'reset',
    ])
    expect(errors[0]?.code).toBe('INVALID_EVENT_DATA')
    expect((errors[0] as InvalidEventDataError).data).toBe('{not json')
    expect(resets).toEqual(['pruned'])
    expect(details).toEqual([{ reason: 'pruned', topic: 'project-1' }])
    expect(connection.lastEventId).toBe('f.4')
  })

  it('is closed, with a ConnectionFailedError, when the server refuses the stream', async () => {
    const { connection, statuses, errors } = open('/forbidden')
    await until('closed', () => connection.status === 'closed')
    expect(statuses).toEqual(['connecting', 'closed'])
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(ConnectionFailedError)
    expect((errors[0] as ConnectionFailedError).status).toBe(403)
  })

  it('reports a 401 as an UnauthorizedError and stops; a 204 stops without an error', async () => {
    const unauthorized = open('/unauthorized')
    await until('closed', () => unauthorized.connection.status === 'closed')
    expect(unauthorized.errors).toEqual([expect.any(UnauthorizedError)])
    expect(unauthorized.errors[0]).toMatchObject({ code: 'UNAUTHORIZED', status: 401, retrying: false })

    const noContent = open('/no-content')
    await until('closed', () => noContent.connection.status === 'closed')
    expect(noContent.statuses).toEqual(['connecting', 'closed'])
    expect(noContent.errors).toEqual([])
    // A client retrying with a 20 ms backoff would have asked again by now.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(requested.map((url) => url.pathname)).toEqual(['/unauthorized', '/no-content'])
  })

  it('opens a new EventSource after a proxy 502, resuming with the lastEventId query parameter, losing nothing', async () => {
    const { connection, seen, statuses, errors } = open('/events/gateway')
    await until('open', () => connection.status === 'open')
    const first = await broker.publish({ topic: 'gateway', type: 'session_updated', payload: { sessionId: 's1', status: 'a' } })
    await until('a', () => seen.length === 1)

    badGateway = true
    server.closeAllConnections()
    await until('two 502s', () => errors.length >= 2)
    const missed = await broker.publish([
      { topic: 'gateway', type: 'session_updated', payload: { sessionId: 's1', status: 'b' } },
      { topic: 'gateway', type: 'session_updated', payload: { sessionId: 's1', status: 'c' } },
    ])
    badGateway = false
    await until('open again', () => connection.status === 'open')
    const live = await broker.publish({ topic: 'gateway', type: 'session_updated', payload: { sessionId: 's1', status: 'd' } })
    await until('d', () => seen.at(-1)?.id === live.id)

    expect(seen.map((event) => (event.payload as { status: string }).status)).toEqual(['a', 'b', 'c', 'd'])
    expect(seen.slice(1, 3)).toEqual(missed)
    expect(statuses).toEqual(['connecting', 'open', 'reconnecting', 'open'])
    expect(errors.every((error) => error instanceof ConnectionFailedError && error.status === 502 && error.retrying)).toBe(true)
    // The first EventSource reconnected by itself (with the header) and got a 502; every one the
    // client opened after that resumed with the query parameter.
    const reopened = requested.slice(2)
    expect(reopened.length).toBeGreaterThanOrEqual(2)
    expect(reopened.every((url) => url.searchParams.get('lastEventId') === first.id)).toBe(true)
  })

  it('calls handlers added with setHandlers, for new types too, without reconnecting', async () => {
    const { connection, seen, statuses } = open('/events/swap')
    await until('open', () => connection.status === 'open')
    const swapped: string[] = []
    connection.setHandlers({ workspace_updated: (event) => swapped.push(event.payload.workspaceId) })
    await broker.publish([
      { topic: 'swap', type: 'session_updated', payload: { sessionId: 's1', status: 'ignored' } },
      { topic: 'swap', type: 'workspace_updated', payload: { workspaceId: 'w9', status: 'ready' } },
    ])
    await until('the swapped handler', () => swapped.length === 1)
    expect(swapped).toEqual(['w9'])
    expect(seen).toEqual([])
    expect(statuses).toEqual(['connecting', 'open'])
  })

  it('throws a helpful error when there is no EventSource', () => {
    expect(() => connect<AppEvents>(`${base}/events/none`, { handlers: {} })).toThrow(/options\.EventSource/)
  })
})

describe('the client and react entry points', () => {
  it.each(['src/client/index.ts', 'src/react/index.ts'])('%s bundles for the browser with no server module', async (entry) => {
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      external: ['react'],
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    const browserSide = (input: string) =>
      input.startsWith('src/client/') || input.startsWith('src/react/') || input.includes('node_modules/eventsource-parser/')
    expect(inputs.filter((input) => !browserSide(input))).toEqual([])
    expect(result.outputFiles[0]?.text).not.toMatch(/["']node:/)
  })

  it('leaves the fetch transport, its parser and the sharing code out of the first load (scripts/bundle-size.ts)', async () => {
    const [connectOnly, hookOnly, fetchChunk, sharingChunks] = await measureClientBundles()
    expect(leaks(connectOnly as Piece)).toEqual([])
    expect(leaks(hookOnly as Piece)).toEqual([])
    expect((connectOnly as Piece).inputs).toContain('src/client/native-link.ts')
    expect(leaks(fetchChunk as Piece)).toEqual(expect.arrayContaining(['src/client/fetch-link.ts', 'src/client/event-stream.ts']))
    expect(leaks(fetchChunk as Piece).some((input) => input.includes('eventsource-parser'))).toBe(true)
    expect(leaks(sharingChunks as Piece)).toContain('src/client/shared-link.ts')
  })
})
