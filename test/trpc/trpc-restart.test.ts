/**
 * durable-sse/trpc with the real tRPC v11 client and server over SSE: a tRPC standalone server in a
 * child process (so it can be stopped and SIGKILLed, then restarted on the same port and SQLite
 * file), `httpSubscriptionLink` over the `eventsource` package, events published meanwhile by this
 * process into the same file.
 */
import { createServer as createHttpServer, request, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { createTRPCClient, httpSubscriptionLink, retryLink, type TRPCClientError } from '@trpc/client'
import type { TRPCConnectionState } from '@trpc/client/unstable-internals'
import { EventSource } from 'eventsource'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { type Broker, createBroker, type StoredEvent } from '../../src/index.js'
import { isCannotResumeError } from '../../src/trpc/index.js'
import { freePort, listen } from '../helpers/servers.js'
import { tempDir } from '../helpers/stores.js'
import { until } from '../helpers/wait.js'
import { type Fixture, type Message, startScript, stopFixture } from '../postgres/helpers/child.js'
import type { AppRouter, TestEvents } from './fixtures/router.js'

let cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup()
  cleanups = []
})

/** A database file, a broker of this process publishing into it, and the tRPC server over it on a fixed port. */
async function setup() {
  const temp = tempDir()
  const filename = join(temp.dir, 'events.db')
  const store = sqliteStore({ filename })
  await store.migrate()
  const publisher: Broker<TestEvents> = createBroker<TestEvents>(store)
  const port = await freePort()
  cleanups.push(
    temp.remove,
    () => store.close(),
    () => publisher.close(),
  )
  const start = async () => {
    const server = startScript('test/trpc/fixtures/trpc-server.ts', { DB: filename, PORT: String(port) })
    cleanups.push(() => stopFixture(server))
    await server.message((m) => m.kind === 'listening', 'the server listening')
    return server
  }
  const sources: EventSource[] = []
  class RecordingEventSource extends EventSource {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(url, init)
      sources.push(this)
    }
  }
  /** A client of `url` (the server, by default), with the README's `retryLink` in front when asked. */
  const clientOf = (url = `http://127.0.0.1:${port}`, { retry = false } = {}) =>
    createTRPCClient<AppRouter>({
      links: [
        ...(retry
          ? [
              retryLink<AppRouter>({
                retry: ({ error }) => !isCannotResumeError(error),
                retryDelayMs: (attempt) => Math.min(1_000 * 2 ** attempt, 30_000),
              }),
            ]
          : []),
        httpSubscriptionLink({ url, EventSource: RecordingEventSource }),
      ],
    })
  /** Publishes `n` on each topic, from `from` to `to - 1`. */
  const publish = async (topics: string[], from: number, to: number) => {
    for (let n = from; n < to; n++) {
      for (const topic of topics) await publisher.publish({ topic, type: 'n', payload: { n } })
    }
  }
  return { store, port, client: clientOf(), clientOf, start, sources, publish }
}

/** A reverse proxy to `port` that can answer 502 instead, as one does while the app behind it is down. */
async function gatewayTo(port: number) {
  const state = { down: false, answered502: 0 }
  const open = new Set<ServerResponse>()
  const gateway = createHttpServer((req, res) => {
    if (state.down) {
      state.answered502++
      res.writeHead(502).end('bad gateway')
      return
    }
    const upstream = request({ host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    open.add(res)
    res.on('close', () => {
      open.delete(res)
      upstream.destroy()
    })
    req.pipe(upstream)
  })
  const running = await listen(gateway)
  cleanups.push(() => running.close())
  return {
    state,
    url: running.url,
    /** Starts answering 502 and cuts the streams in flight. */
    fail() {
      state.down = true
      for (const res of open) res.destroy()
    },
  }
}

/** What a subscription's handlers saw. */
function recorder() {
  const seen = {
    events: [] as Array<{ id: string; data: StoredEvent }>,
    errors: [] as TRPCClientError<AppRouter>[],
    states: [] as TRPCConnectionState<TRPCClientError<AppRouter>>[],
    started: 0,
    completed: 0,
  }
  const handlers = {
    onStarted: () => seen.started++,
    onData: (event: { id: string; data: StoredEvent }) => seen.events.push(event),
    onError: (error: TRPCClientError<AppRouter>) => seen.errors.push(error),
    onConnectionStateChange: (state: TRPCConnectionState<TRPCClientError<AppRouter>>) => seen.states.push(state),
    onComplete: () => seen.completed++,
  }
  return { seen, handlers }
}

const payloadsOf = (events: Array<{ data: StoredEvent }>, topic: string) =>
  events.filter((e) => e.data.topic === topic).map((e) => (e.data.payload as { n: number }).n)
const range = (count: number) => Array.from({ length: count }, (_, n) => n)
const subscribes = (server: Fixture, path: string) =>
  server.messages.filter((m: Message) => m.kind === 'subscribe' && m.path === path)

describe('durable-sse/trpc with tRPC v11 over SSE', () => {
  it('resumes across a graceful restart and a SIGKILL: every event once, in order, on one topic and on two (the cursor as tracked id)', async () => {
    const { client, start, publish } = await setup()
    let server = await start()
    const project = recorder()
    const feed = recorder()
    const subscriptions = [
      client.projectEvents.subscribe(undefined, project.handlers),
      client.feed.subscribe(undefined, feed.handlers),
    ]
    cleanups.push(() => {
      for (const subscription of subscriptions) subscription.unsubscribe()
    })
    await until(() => project.seen.started === 1 && feed.seen.started === 1, 10_000, 'both subscriptions started')
    const both = ['project-1', 'user-1']
    const received = (count: number) => () => project.seen.events.length === count && feed.seen.events.length === 2 * count

    await publish(both, 0, 4)
    await until(received(4), 10_000, 'events 0-3')

    // Graceful restart: the broker closes, the stream fails with a retryable code, the process exits.
    server.process.kill('SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    const dying = server
    await publish(both, 4, 8)
    server = await start()
    await until(received(8), 20_000, 'events 4-7 after the graceful restart')
    expect(dying.messages.filter((m) => m.kind === 'subscribe' && m.brokerClosed)).toEqual([]) // nobody came back to the dying process
    expect(dying.messages.filter((m) => m.kind === 'trpcError').map((m) => m.code)).toEqual([
      'SERVICE_UNAVAILABLE',
      'SERVICE_UNAVAILABLE',
    ])
    expect(subscribes(server, 'projectEvents').map((m) => m.lastEventId)).toEqual([project.seen.events[3]?.id])
    expect(subscribes(server, 'feed').map((m) => m.lastEventId)).toEqual([feed.seen.events[7]?.id])
    for (const { seen } of [project, feed]) {
      const restarting = seen.states.find((state) => state.state === 'connecting' && state.error)
      expect(restarting?.error?.data?.code).toBe('SERVICE_UNAVAILABLE')
    }

    // Crash: SIGKILL, events published while no server runs, then a new process.
    server.process.kill('SIGKILL')
    await server.exited
    await publish(both, 8, 12)
    server = await start()
    await until(received(12), 20_000, 'events 8-11 after the SIGKILL')
    expect(subscribes(server, 'projectEvents').map((m) => m.lastEventId)).toEqual([project.seen.events[7]?.id])
    expect(subscribes(server, 'feed').map((m) => m.lastEventId)).toEqual([feed.seen.events[15]?.id])
    await publish(both, 12, 14)
    await until(received(14), 10_000, 'events 12-13 live')

    expect(payloadsOf(project.seen.events, 'project-1')).toEqual(range(14))
    expect(project.seen.events.map((e) => e.id)).toEqual(project.seen.events.map((e) => e.data.id)) // one topic: the event's id
    expect(payloadsOf(feed.seen.events, 'project-1')).toEqual(range(14))
    expect(payloadsOf(feed.seen.events, 'user-1')).toEqual(range(14))
    expect(new Set(feed.seen.events.map((e) => e.id)).size).toBe(28)
    expect(feed.seen.events.every((e) => e.id !== e.data.id)).toBe(true) // several topics: a cursor over them
    for (const { seen } of [project, feed])
      expect({ errors: seen.errors, completed: seen.completed }).toEqual({ errors: [], completed: 0 })
  }, 60_000)

  it('turns a pruned position into one PRECONDITION_FAILED the client handles once (no retry loop), then a fresh subscription gets what follows', async () => {
    const { client, store, start, sources, publish } = await setup()
    let server = await start()
    const stale = recorder()
    const first = client.projectEvents.subscribe(undefined, stale.handlers)
    cleanups.push(() => first.unsubscribe())
    await until(() => stale.seen.started === 1, 10_000, 'the subscription started')
    await publish(['project-1'], 0, 3)
    await until(() => stale.seen.events.length === 3, 10_000, 'events 0-2')

    server.process.kill('SIGKILL')
    await server.exited
    await publish(['project-1'], 3, 6)
    expect(await store.deleteBefore(new Date(Date.now() + 60_000))).toBe(6) // retention pruned past the client's position
    server = await start()
    await until(() => stale.seen.errors.length > 0, 20_000, 'the cannot-resume error')

    const [error] = stale.seen.errors
    expect(isCannotResumeError(error)).toBe(true)
    expect(error?.data?.code).toBe('PRECONDITION_FAILED')
    expect(error?.message).toMatch(/cannot resume topic "project-1" after .*: pruned/)
    expect(sources[0]?.readyState).toBe(EventSource.CLOSED) // the link gave up: it will not reconnect into the same answer
    expect(subscribes(server, 'projectEvents').map((m) => m.lastEventId)).toEqual([stale.seen.events[2]?.id])

    // The app refetches its state, then subscribes fresh.
    const fresh = recorder()
    const second = client.projectEvents.subscribe(undefined, fresh.handlers)
    cleanups.push(() => second.unsubscribe())
    await until(() => fresh.seen.started === 1, 10_000, 'the fresh subscription started')
    await publish(['project-1'], 6, 8)
    await until(() => fresh.seen.events.length === 2, 10_000, 'events 6-7 on the fresh subscription')
    expect(payloadsOf(fresh.seen.events, 'project-1')).toEqual([6, 7])
    expect(subscribes(server, 'projectEvents').map((m) => m.lastEventId)).toEqual([stale.seen.events[2]?.id, undefined])
    // tRPC's onError hears a procedure's error twice (the call, then the stream): one request, one answer.
    expect(new Set(server.messages.filter((m) => m.kind === 'trpcError').map((m) => m.code))).toEqual(
      new Set(['PRECONDITION_FAILED']),
    )
    expect(stale.seen.errors).toHaveLength(1)
    expect(isCannotResumeError(new Error('other'))).toBe(false)
  }, 60_000)

  it("behind a proxy that answers 502 while the app is down, the README's retryLink resubscribes after the last id", async () => {
    const { port, clientOf, start, publish } = await setup()
    await start()
    const gateway = await gatewayTo(port)
    const project = recorder()
    const subscription = clientOf(gateway.url, { retry: true }).projectEvents.subscribe(undefined, project.handlers)
    cleanups.push(() => subscription.unsubscribe())
    await until(() => project.seen.started === 1, 10_000, 'the subscription started')
    await publish(['project-1'], 0, 3)
    await until(() => project.seen.events.length === 3, 10_000, 'events 0-2')

    gateway.fail()
    await publish(['project-1'], 3, 6)
    await until(() => gateway.state.answered502 === 1, 20_000, "the EventSource's reconnect meeting the 502") // it gives up for good
    gateway.state.down = false
    await until(() => project.seen.events.length === 6, 30_000, 'events 3-5 after the proxy is back')
    expect(payloadsOf(project.seen.events, 'project-1')).toEqual(range(6))
    expect(project.seen.errors).toEqual([]) // retryLink kept it from the app
  }, 60_000)
})
