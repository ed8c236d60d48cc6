/**
 * The behaviour every framework example must show, against a live server on a free port with a
 * real `EventSource`: the services' events arrive with their stored ids, resume works, refusals
 * happen before the stream, and a disconnect releases the subscriber.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunningExample, StartOptions } from '../../examples/shared/serve.js'
import type { StoredEvent } from '../../src/index.js'
import { until } from '../helpers/wait.js'
import { openStream, type StreamClient } from './stream-client.js'

/** POSTs `{ status }` to an item's status route with `token` as a bearer token (none when undefined), or with `headers`. */
async function postStatus(
  base: string,
  path: string,
  status: string,
  token: string | undefined,
  headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}/api/projects/${path}/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ status }),
  })
  return { status: response.status, body: await response.json() }
}

/** Where an example keeps its data during the suite. */
export interface ExampleData<Options> {
  /** Makes a fresh place for it: the options that point `start()` there, how to read a row's status, and how to remove it. */
  open(name: string): Promise<{
    options: Options
    rowStatus(table: 'sessions' | 'workspaces', id: string): Promise<string>
    remove(): Promise<void>
  }>
}

/** The SQLite examples' data: a file in a fresh temporary directory. */
export const sqliteData: ExampleData<{ dbFile: string }> = {
  async open(name) {
    const dir = mkdtempSync(join(tmpdir(), `durable-sse-${name}-`))
    const dbFile = join(dir, 'app.db')
    return {
      options: { dbFile },
      async rowStatus(table, id) {
        const database = new Database(dbFile, { readonly: true })
        try {
          return (database.prepare(`SELECT status FROM ${table} WHERE id = ?`).get(id) as { status: string }).status
        } finally {
          database.close()
        }
      },
      remove: async () => rmSync(dir, { recursive: true, force: true }),
    }
  },
}

/** Declares the example suite for one framework's `start()` (on SQLite unless `data` says otherwise). */
export function describeExample<Options = Required<StartOptions>>(
  name: string,
  start: (options: Options & { port: number }) => Promise<RunningExample>,
  data: ExampleData<Options> = sqliteData as unknown as ExampleData<Options>,
): void {
  describe(`${name} example`, () => {
    let place: Awaited<ReturnType<ExampleData<Options>['open']>> | undefined
    let example: RunningExample
    const clients: StreamClient[] = []
    const stream = (options: { token: string; lastEventId?: string }, project = 'p1'): StreamClient => {
      const client = openStream(`${example.url}/api/projects/${project}/events`, options)
      clients.push(client)
      return client
    }
    const update = async (path: string, status: string, token = 'alice-token'): Promise<StoredEvent> => {
      const reply = await postStatus(example.url, path, status, token)
      expect(reply.status, JSON.stringify(reply.body)).toBe(200)
      return reply.body as StoredEvent
    }
    const rowStatus = (table: 'sessions' | 'workspaces', id: string): Promise<string> =>
      (place as NonNullable<typeof place>).rowStatus(table, id)

    beforeAll(async () => {
      place = await data.open(name)
      example = await start({ ...place.options, port: 0 })
    })
    afterAll(async () => {
      for (const client of clients) client.close()
      await example?.close()
      await place?.remove()
    })

    it('answers the readiness probe at /healthz with broker.health(): 200 and ok', async () => {
      const response = await fetch(`${example.url}/healthz`)
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ ok: true, checks: { store: { ok: true }, poller: { ok: true } } })
    })

    it("streams both services' events, published inside their transactions, with their stored ids", async () => {
      const client = stream({ token: 'alice-token' })
      await client.until((received) => received.some((event) => event.type === 'connected'))

      const session = await update('p1/sessions/session-1', 'running')
      const workspace = await update('p1/workspaces/workspace-1', 'ready')
      expect(session).toMatchObject({
        topic: 'project:p1',
        type: 'session_updated',
        payload: { sessionId: 'session-1', status: 'running' },
      })
      expect(workspace).toMatchObject({ type: 'workspace_updated', payload: { workspaceId: 'workspace-1', status: 'ready' } })
      expect(await rowStatus('sessions', 'session-1')).toBe('running')
      expect(await rowStatus('workspaces', 'workspace-1')).toBe('ready')

      await client.until(() => client.events().length >= 2)
      expect(client.events()).toEqual([
        { type: 'session_updated', id: session.id, data: session },
        { type: 'workspace_updated', id: workspace.id, data: workspace },
      ])
    })

    it('resumes after Last-Event-ID with exactly the events after it, then live ones', async () => {
      const first = await update('p1/sessions/session-1', 'paused')
      const second = await update('p1/sessions/session-1', 'done')
      const client = stream({ token: 'alice-token', lastEventId: first.id })
      await client.until(() => client.events().length >= 1)
      const live = await update('p1/workspaces/workspace-1', 'busy')
      await client.until(() => client.events().length >= 2)
      expect(client.events().map((event) => event.id)).toEqual([second.id, live.id])
      expect(client.received.some((event) => event.type === 'reset')).toBe(false)
    })

    it('refuses a stream without a known user (401) or to a non-member (403), before any stream', async () => {
      const get = (headers: Record<string, string>) => fetch(`${example.url}/api/projects/p1/events`, { headers })
      for (const [headers, status] of [
        [{}, 401],
        [{ authorization: 'Bearer nobody' }, 401],
        [{ authorization: 'Bearer bob-token' }, 403],
      ] as const) {
        const response = await get(headers)
        expect(response.status).toBe(status)
        expect(response.headers.get('content-type')).not.toMatch(/event-stream/)
        await response.text()
      }
      const controller = new AbortController()
      const allowed = await fetch(`${example.url}/api/projects/p1/events`, {
        headers: { cookie: 'theme=dark; session=alice-token' },
        signal: controller.signal,
      })
      expect(allowed.status).toBe(200)
      expect(allowed.headers.get('content-type')).toMatch(/^text\/event-stream/)
      controller.abort()
    })

    it('refuses status updates without a known user or for another project, validates them, and publishes nothing then', async () => {
      const published = example.broker.stats().published
      expect((await postStatus(example.url, 'p1/sessions/session-1', 'failed', undefined)).status).toBe(401)
      const withCookie = await postStatus(example.url, 'p1/sessions/session-1', 'failed', undefined, {
        cookie: 'session=alice-token',
      })
      expect(withCookie.status, 'a cookie alone must not authorize a write').toBe(401)
      expect((await postStatus(example.url, 'p1/sessions/session-1', 'failed', 'bob-token')).status).toBe(403)
      expect((await postStatus(example.url, 'p1/sessions/session-1', 'exploded', 'alice-token')).status).toBe(400)
      expect((await postStatus(example.url, 'p1/sessions/no-such-session', 'failed', 'alice-token')).status).toBe(404)
      expect((await postStatus(example.url, 'p1/gadgets/gadget-1', 'failed', 'alice-token')).status).toBe(404)
      expect(example.broker.stats().published).toBe(published)
      expect(await rowStatus('sessions', 'session-1')).not.toBe('failed')
    })

    it("keeps each project's stream to its own events", async () => {
      const p2 = stream({ token: 'bob-token' }, 'p2')
      await p2.until((received) => received.some((event) => event.type === 'connected'))
      await update('p1/sessions/session-1', 'idle')
      const own = await update('p2/sessions/session-2', 'running', 'bob-token')
      await p2.until(() => p2.events().length >= 1)
      expect(p2.events().map((event) => event.id)).toEqual([own.id])
    })

    it('releases the subscriber when the client disconnects', async () => {
      const before = example.broker.stats().subscribers
      const client = stream({ token: 'alice-token' })
      await client.until((received) => received.some((event) => event.type === 'connected'))
      expect(example.broker.stats().subscribers).toBe(before + 1)
      client.close()
      await until(() => example.broker.stats().subscribers === before, 5_000, 'the subscriber to be released')
    })
  })
}
