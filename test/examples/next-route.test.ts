/**
 * The Next.js example's `GET` route handler called the way Next.js calls it: a real `Request` and
 * a `{ params: Promise }` context; the SSE body is read from the returned web stream.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StoredEvent } from '../../src/index.js'
import { until } from '../helpers/wait.js'
import { readWebStream } from './web-stream-reader.js'

const dir = mkdtempSync(join(tmpdir(), 'durable-sse-next-'))
const dbFile = join(dir, 'app.db')
process.env.EXAMPLE_DB = dbFile
const { register } = await import('../../examples/next/instrumentation.js')
const { nextApp } = await import('../../examples/next/lib/app.js')
const route = await import('../../examples/next/app/api/projects/[id]/events/route.js')
const sessions = await import('../../examples/next/app/api/projects/[id]/sessions/[sessionId]/status/route.js')
const workspaces = await import('../../examples/next/app/api/projects/[id]/workspaces/[workspaceId]/status/route.js')

const BASE = 'http://localhost:3000/api/projects'

/** Calls the GET handler for project `id`, as Next.js does. */
async function get(id: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  return route.GET(new Request(`${BASE}/${id}/events`, { headers, signal }), { params: Promise.resolve({ id }) })
}

/** Calls a status POST handler as alice and returns the stored event. */
async function post(kind: 'sessions' | 'workspaces', id: string, status: string): Promise<StoredEvent> {
  const request = new Request(`${BASE}/p1/${kind}/${id}/status`, {
    method: 'POST',
    headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
    body: JSON.stringify({ status }),
  })
  const response =
    kind === 'sessions'
      ? await sessions.POST(request, { params: Promise.resolve({ id: 'p1', sessionId: id }) })
      : await workspaces.POST(request, { params: Promise.resolve({ id: 'p1', workspaceId: id }) })
  expect(response.status).toBe(200)
  return (await response.json()) as StoredEvent
}

describe('next example: route handlers called directly', () => {
  beforeAll(() => register())
  afterAll(async () => {
    await (await nextApp()).close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is a dynamic Node.js route exporting GET', () => {
    expect(route.dynamic).toBe('force-dynamic')
    expect(route.runtime).toBe('nodejs')
    expect(typeof route.GET).toBe('function')
  })

  it('opens no database when imported and registered (as next build does), only on the first request', async () => {
    expect(existsSync(dbFile)).toBe(false)
    const response = await get('p1', {})
    expect(response.status).toBe(401)
    expect(existsSync(dbFile)).toBe(true)
  })

  it("streams the services' events from the returned web stream, and ends it when the request aborts", async () => {
    const controller = new AbortController()
    const response = await get('p1', { authorization: 'Bearer alice-token' }, controller.signal)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(response.headers.get('cache-control')).toMatch(/no-cache/)
    const stream = readWebStream(response)
    await stream.until((received) => received.some((event) => event.type === 'connected'))

    const session = await post('sessions', 'session-1', 'running')
    const workspace = await post('workspaces', 'workspace-1', 'ready')
    await stream.until(() => stream.events().length >= 2)
    expect(stream.events()).toEqual([
      { type: 'session_updated', id: session.id, data: session },
      { type: 'workspace_updated', id: workspace.id, data: workspace },
    ])

    expect((await nextApp()).broker.stats().subscribers).toBe(1)
    controller.abort()
    await stream.ended
    await until(async () => (await nextApp()).broker.stats().subscribers === 0, 5_000, 'the subscriber to be released')
  })

  it('resumes after the Last-Event-ID header', async () => {
    const first = await post('sessions', 'session-1', 'paused')
    const second = await post('sessions', 'session-1', 'done')
    const controller = new AbortController()
    const stream = readWebStream(
      await get('p1', { authorization: 'Bearer alice-token', 'last-event-id': first.id }, controller.signal),
    )
    await stream.until(() => stream.events().length >= 1)
    expect(stream.events().map((event) => event.id)).toEqual([second.id])
    controller.abort()
    await stream.ended
  })

  it('answers 401 without credentials and 403 to a non-member, with a short text body', async () => {
    const anonymous = await get('p1', {})
    expect(anonymous.status).toBe(401)
    expect(await anonymous.text()).toBe('unauthorized')
    const bob = await get('p1', { cookie: 'session=bob-token' })
    expect(bob.status).toBe(403)
    expect(bob.headers.get('content-type')).toMatch(/^text\/plain/)
    await bob.text()
  })
})
