import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** `npm run demo` runs `tsx examples/demo/server.ts`; the test runs the same command on a free port. */
const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx')

let child: ChildProcess
let url: string
let dir: string
let output = ''

/** The fields of each SSE frame in `text` (one `id`, `event` and `data` line at most, as the demo sends). */
function framesOf(text: string): Array<Record<string, string>> {
  return text
    .split('\n\n')
    .filter((frame) => frame !== '')
    .map((frame) =>
      Object.fromEntries(frame.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)])),
    )
}

/** Reads an SSE response until `done(text so far)` holds; fails after `timeoutMs`. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean, timeoutMs = 10_000) {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const timer = setTimeout(() => void reader.cancel(new Error('timed out')), timeoutMs)
  try {
    while (!done(text)) {
      const { value, done: ended } = await reader.read()
      if (ended) throw new Error(`stream ended before the expected frame; got:\n${text}`)
      text += decoder.decode(value, { stream: true })
    }
    return text
  } finally {
    clearTimeout(timer)
    reader.releaseLock()
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'durable-sse-demo-test-'))
  child = spawn(TSX, ['examples/demo/server.ts'], {
    env: { ...process.env, PORT: '0', DEMO_DB: join(dir, 'demo.db') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stderr?.on('data', (chunk) => (output += String(chunk)))
  url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += String(chunk)
      const match = /durable-sse demo: (http:\/\/\S+)/.exec(output)
      if (match) resolve(match[1] as string)
    })
    child.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)))
  })
})

afterAll(async () => {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  rmSync(dir, { recursive: true, force: true })
})

describe('npm run demo', () => {
  it('serves its page and the bundled page script', async () => {
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await page.text()).toContain('<script type="module" src="/app.js">')

    const script = await fetch(new URL('/app.js', url))
    expect(script.status).toBe(200)
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await script.text()).toContain('Last-Event-ID')
  })

  it('streams an event published through its API to a reader of the project stream', async () => {
    const controller = new AbortController()
    const stream = await fetch(new URL('/api/projects/demo/events', url), { signal: controller.signal })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
    const body = stream.body as ReadableStream<Uint8Array>
    expect(await readUntil(body, (text) => text.includes('event: connected'))).toMatch(/^retry: 2000\n\n/)

    const published = await fetch(new URL('/api/projects/demo/workspaces/workspace-1/status', url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ status: 'busy' }),
    })
    expect(published.status).toBe(200)
    const event = (await published.json()) as { id: string }
    const text = await readUntil(body, (seen) => seen.includes(`id: ${event.id}\n`))
    controller.abort()

    const frame = text.slice(text.indexOf(`id: ${event.id}\n`)).split('\n\n')[0] as string
    expect(frame.split('\n').slice(0, 2)).toEqual([`id: ${event.id}`, 'event: workspace_updated'])
    expect(JSON.parse(frame.split('\n')[2]?.replace(/^data: /, '') ?? '')).toEqual({
      ...event,
      type: 'workspace_updated',
      topic: 'project-demo',
      payload: { workspaceId: 'workspace-1', status: 'busy' },
    })

    const state = (await (await fetch(new URL('/api/projects/demo/state', url))).json()) as {
      workspaces: { id: string; status: string }[]
    }
    expect(state.workspaces.find((item) => item.id === 'workspace-1')?.status).toBe('busy')
  })

  it('streams the project and the signed-in user’s notifications in one stream, each id a cursor over both', async () => {
    const controller = new AbortController()
    const stream = await fetch(new URL('/api/events?project=demo', url), { signal: controller.signal })
    expect(stream.status).toBe(200)
    const body = stream.body as ReadableStream<Uint8Array>
    const opening = await readUntil(body, (text) => text.includes('event: connected'))
    const connected = framesOf(opening).find((frame) => frame.event === 'connected')
    expect(connected?.id).toMatch(/^~/)

    const post = async (path: string, payload: unknown) => {
      const response = await fetch(new URL(path, url), { method: 'POST', body: JSON.stringify(payload) })
      expect(response.status).toBe(200)
      return (await response.json()) as { id: string; topic: string }
    }
    const session = await post('/api/projects/demo/sessions/session-2/status', { status: 'paused' })
    const notification = await post('/api/me/notifications', { text: 'Your preview is ready' })
    const seen = (text: string, event: { id: string; topic: string }) =>
      text.includes(`"id":"${event.id}","type":`) && text.includes(`"topic":"${event.topic}"`)
    const text = await readUntil(body, (all) => seen(all, session) && seen(all, notification))
    controller.abort()

    const events = framesOf(text).filter((frame) => frame.event === 'session_updated' || frame.event === 'notification')
    // Each topic keeps its order; across topics any interleaving: compare by topic.
    const parsed = events.map((frame) => JSON.parse(frame.data as string) as { topic: string })
    expect(parsed.sort((a, b) => (a.topic < b.topic ? -1 : 1))).toEqual([
      { ...session, type: 'session_updated', topic: 'project-demo', payload: { sessionId: 'session-2', status: 'paused' } },
      {
        ...notification,
        type: 'notification',
        topic: 'user-ada',
        payload: { notificationId: expect.any(Number), text: 'Your preview is ready' },
      },
    ])
    for (const frame of events) expect(frame.id).toMatch(/^~/)
    expect(new Set([connected?.id, ...events.map((frame) => frame.id)]).size).toBe(3) // each a new position

    const listed = (await (await fetch(new URL('/api/me/notifications', url))).json()) as { id: number; text: string }[]
    expect(listed[0]?.text).toBe('Your preview is ready')
  })

  it('answers the page’s state with the stream position it reflects: a stream after it gets exactly the later events', async () => {
    const post = async (path: string, payload: unknown) => {
      const response = await fetch(new URL(path, url), { method: 'POST', body: JSON.stringify(payload) })
      expect(response.status).toBe(200)
      return (await response.json()) as { id: string; topic: string }
    }
    await post('/api/projects/demo/sessions/session-1/status', { status: 'failed' })
    const response = await fetch(new URL('/api/page?project=demo', url))
    expect(response.status).toBe(200)
    const snapshot = (await response.json()) as {
      state: { project: { sessions: { id: string; status: string }[] }; notifications: { text: string }[] }
      lastEventId: string
    }
    expect(snapshot.state.project.sessions.find((item) => item.id === 'session-1')?.status).toBe('failed')
    expect(Array.isArray(snapshot.state.notifications)).toBe(true)
    expect(snapshot.lastEventId).toMatch(/^~/)
    const after = await post('/api/projects/demo/sessions/session-1/status', { status: 'done' })

    const controller = new AbortController()
    const stream = await fetch(new URL(`/api/events?project=demo&lastEventId=${encodeURIComponent(snapshot.lastEventId)}`, url), {
      signal: controller.signal,
    })
    expect(stream.status).toBe(200)
    const text = await readUntil(stream.body as ReadableStream<Uint8Array>, (all) => all.includes(`"id":"${after.id}"`))
    controller.abort()
    const delivered = framesOf(text)
      .filter((frame) => frame.event === 'session_updated')
      .map((frame) => (JSON.parse(frame.data as string) as { id: string }).id)
    expect(delivered).toEqual([after.id])
  })

  it('refuses a bad status, an unknown session and an empty notification without publishing', async () => {
    const post = (path: string, payload: unknown) => fetch(new URL(path, url), { method: 'POST', body: JSON.stringify(payload) })
    expect((await post('/api/projects/demo/sessions/session-1/status', { status: 'exploded' })).status).toBe(400)
    expect((await post('/api/projects/demo/sessions/nope/status', { status: 'done' })).status).toBe(404)
    const before = (await (await fetch(new URL('/api/me/notifications', url))).json()) as unknown[]
    expect((await post('/api/me/notifications', { text: '  ' })).status).toBe(400)
    expect((await post('/api/me/notifications', { text: 'x'.repeat(201) })).status).toBe(400)
    expect((await post('/api/me/notifications', 'not an object')).status).toBe(400)
    expect(await (await fetch(new URL('/api/me/notifications', url))).json()).toEqual(before)
  })
})
