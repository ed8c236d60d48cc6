/**
 * The broker: one per process, a small façade over the parts that do the work. The delivery path
 * reads top to bottom, one way: publish (`publisher.ts`) → store → poller (`poller.ts`, tails the
 * store) → connection (`connection.ts`, `topic-position.ts`; catch-up pages from `page-reader.ts`)
 * → writer (`sse/writer.ts`, bytes from `frame.ts` and `batch.ts`) → transport (`sse/node.ts`,
 * `sse/web.ts`). The open connections and their counters are `connections.ts`; SSE requests go
 * through the stream server (`stream-server.ts`), iterators through `subscription.ts`, and old
 * events through retention (`retention.ts`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { Authorize } from './authorize.js'
import { boundedStore } from './bounded-store.js'
import type { BusStatus } from './bus.js'
import { BusLink } from './bus-link.js'
import { startConnection } from './connection-start.js'
import { Connections } from './connections.js'
import { StreamCursor } from './cursor.js'
import { BrokerClosedError, CannotResumeError } from './errors.js'
import type { EventInput, EventMap, EventOf, StoredEvent } from './event.js'
import { BoundFilter, type EventFilter } from './event-filter.js'
import { FailureLog } from './failure-log.js'
import { type BrokerHealth, healthOf } from './health.js'
import { type BrokerConfig, type BrokerOptions, resolveOptions } from './options.js'
import { StorePages } from './page-reader.js'
import { Poller } from './poller.js'
import { Publisher, type PublishOptions, type TransactionRunner } from './publisher.js'
import { startRetention } from './retention.js'
import { RecordScreen } from './screen.js'
import { writeNodeStream } from './sse/node.js'
import { lastEventIdOf } from './sse/request.js'
import { toWebResponse } from './sse/web.js'
import type { EventStore, ReadStatus, RelayRole, Unsubscribe, WakeStatus } from './store.js'
import { StoreHealth } from './store-health.js'
import { positionsOf, topicsOf } from './stream-request.js'
import { StreamServer } from './stream-server.js'
import { createSubscription, type SubscribeOptions, type Subscription } from './subscription.js'
import { createTelemetry, type Telemetry } from './telemetry.js'

/** Options of {@link Broker.handle} and {@link Broker.response}: `topic` or `topics`, not both. */
export interface StreamOptions<Event = StoredEvent> {
  /** The topic to stream. */
  topic?: string
  /** The topics to stream in one connection (1 to `maxTopicsPerStream`, duplicates folded). */
  topics?: readonly string[]
  /** Access check; a refusal answers 401/403 before any stream starts. */
  authorize?: Authorize
  /** Per-event filter, told what `authorize` is told: an event it rejects is not sent, and the stream's position moves past it. */
  filter?: EventFilter<Event>
}

/**
 * What a web route handler is passed after the request. Next.js 15+ passes the route's dynamic
 * segments as `params`, a Promise: `{ id: '42' }` for `app/api/projects/[id]/events/route.ts`
 * (annotate `Params` for a catch-all segment, whose value is a `string[]`).
 */
export interface RouteHandlerContext<Params = Record<string, string>> {
  /** The route's dynamic segments. */
  params: Promise<Params>
}

/**
 * Options of {@link Broker.handler}: how to find the topic (or topics) in what the framework
 * passes. Unannotated callbacks get a web route handler's `(request, context)`; annotate them to
 * get another framework's arguments, such as Node's `(req: IncomingMessage, res: ServerResponse)`.
 */
export interface HandlerOptions<Args extends unknown[], Event = StoredEvent> {
  /** The topic, from the handler's arguments; may be async. `undefined` (a missing route segment) answers 400. */
  topic?: (...args: Args) => string | undefined | Promise<string | undefined>
  /** The topics, from the handler's arguments; may be async. */
  topics?: (...args: Args) => readonly string[] | Promise<readonly string[]>
  /** Access check; a refusal answers 401/403 before any stream starts. */
  authorize?: Authorize
  /** Per-event filter, told what `authorize` is told: an event it rejects is not sent, and the stream's position moves past it. */
  filter?: EventFilter<Event>
}

/** What {@link Broker.snapshot} returns. */
export interface Snapshot<State> {
  /** What `read` returned. */
  state: State
  /** The position `state` reflects: subscribe (or `connect(url, { lastEventId })`) after it for exactly the events not in `state`. */
  lastEventId: string
}

/**
 * What the function made by {@link Broker.handler} resolves to: nothing when its arguments are
 * Node's (the stream was written to the response), a `Response` when they are a web request's,
 * and either when they are not known.
 */
export type HandlerResult<Args extends unknown[]> = Args extends
  | [IncomingMessage | Http2ServerRequest, ...unknown[]]
  | [unknown, ServerResponse | Http2ServerResponse, ...unknown[]]
  ? undefined
  : Args extends [Request, ...unknown[]]
    ? Response
    : Response | undefined

/** Counters of one broker. */
export interface BrokerStats {
  /** Open connections (SSE streams and iterators), whatever their number of topics. */
  subscribers: number
  /** Topics being tailed. */
  topics: number
  /** Connections with a topic catching up from the store. */
  lagging: number
  /** Events published through this broker. */
  published: number
  /** Events handed to connections' consumers. */
  delivered: number
  /** Milliseconds from the oldest wake-up served by the last poll to its fan-out. */
  pollLagMs: number
  /** The bus (`wake` option): `'connected'`, `'connecting'`, `'down'` (reconnecting; delivery falls back to the store), or `'none'`. */
  bus: BusStatus | 'none'
  /** This process's part in the store's change feed (the Postgres relay): `'leader'` when it holds it, `'off'` without one. */
  relay: RelayRole
  /** Where the store's reads of events go (`'primary'`, or `'replicas'` with Postgres `replica`), and each read replica's state and lag. */
  reads: ReadStatus
}

/** `topic` or `topics` of stream options, or what makes `topicsOf` refuse it (neither, or both). */
function requested(options: { topic?: string; topics?: readonly string[] }): string | readonly string[] {
  if (options.topic !== undefined && options.topics !== undefined) return []
  return options.topics ?? (options.topic as string)
}

/**
 * Publishes events durably and streams them to connections over SSE. Make one per process with
 * {@link createBroker}.
 */
export class Broker<Events extends EventMap = EventMap> {
  private readonly store: EventStore
  private readonly storeHealth = new StoreHealth()
  /** Traces and metrics, when `@opentelemetry/api` is installed. */
  private readonly telemetry: Telemetry | undefined
  private readonly config: BrokerConfig
  private readonly poller: Poller
  private readonly connections: Connections
  private readonly publisher: Publisher
  private readonly streams: StreamServer
  private readonly stopRetention: () => void
  private readonly bus: BusLink
  private readonly stopCommitted: Unsubscribe | undefined
  /** The store's wake-up status for `health()`: `undefined` when it has no wake-ups. */
  private readonly storeWakeStatus: (() => WakeStatus | undefined) | undefined
  private closing: Promise<void> | undefined
  /** Whether `close()` was called: from then on nothing new starts. */
  private readonly isClosing = (): boolean => this.closing !== undefined

  /** Prefer {@link createBroker}. */
  constructor(store: EventStore, options: BrokerOptions = {}) {
    const config = resolveOptions(options)
    this.store = boundedStore(store, config.storeTimeoutMs, this.storeHealth)
    this.config = config
    const screen = new RecordScreen(config.onError)
    const telemetry = createTelemetry({
      published: () => this.publisher.published,
      delivered: () => this.connections.counts().delivered,
      open: () => this.connections.size,
      lagging: () => this.connections.counts().lagging,
      wake: () => this.health().checks.wake,
    })
    this.telemetry = telemetry
    if (telemetry) this.storeHealth.onFailure = (operation, error) => telemetry.storeError(operation, error)
    this.poller = new Poller(this.store, {
      pollIntervalMs: config.pollIntervalMs,
      batchSize: config.batchSize,
      onError: config.onError,
      screen,
      onTailed: (topic, tailed) => this.bus.tailed(topic, tailed),
      telemetry,
    })
    this.bus = new BusLink(this.poller, config.wake)
    this.stopCommitted = this.store.onCommitted?.((records) => this.bus.committed(records))
    const { wakeStatus, onWake } = this.store
    this.storeWakeStatus = wakeStatus ?? (onWake ? () => undefined : undefined)
    this.connections = new Connections(
      this.poller,
      new StorePages(this.store, this.store, screen, new FailureLog(config.onError), telemetry),
      {
        queueLimit: config.queueLimit,
        pageSize: config.batchSize,
        onSlow: config.onSlow,
      },
      telemetry,
    )
    this.publisher = new Publisher(
      this.store,
      config,
      {
        committed: (records) => this.bus.committed(records),
        wake: (topic) => this.poller.wake(topic),
      },
      telemetry,
    )
    this.streams = new StreamServer(config, this.store, this.connections, this.isClosing)
    this.stopRetention = config.retention ? startRetention(this.store, config.retention, config.onError) : () => {}
  }

  /**
   * Appends one event (or several, all or nothing) and resolves once committed. The whole call is
   * validated first: a bad event rejects it with a typed error and nothing is written. With
   * `{ transaction }` the events are written in the caller's transaction and delivered only if
   * and after it commits.
   * @example
   * await broker.publish({ topic: 'project-1', type: 'session_updated', payload: { sessionId: 's1', status: 'running' } })
   */
  publish<E extends EventInput<Events>>(event: E, options?: PublishOptions): Promise<StoredEvent<E['type'], E['payload']>>
  publish(events: readonly EventInput<Events>[], options?: PublishOptions): Promise<EventOf<Events>[]>
  async publish(
    input: EventInput<Events> | readonly EventInput<Events>[],
    options?: PublishOptions,
  ): Promise<StoredEvent | StoredEvent[]> {
    const stored = await this.publisher.publish(Array.isArray(input) ? input : [input], options)
    return Array.isArray(input) ? stored : (stored[0] as StoredEvent)
  }

  /**
   * Like {@link Broker.publish} with `{ transaction }`, but synchronous: for better-sqlite3, whose
   * transactions are synchronous functions (`db.transaction(() => ...)`, Drizzle's
   * `db.transaction((tx) => ...)` on better-sqlite3), where nothing can be awaited. The events are
   * written before it returns and delivered once the transaction commits. Needs a store with
   * `appendSync` (`sqliteStore`); a `TypeError` otherwise.
   * @example
   * database.transaction(() => {
   *   database.prepare('UPDATE sessions SET status = ? WHERE id = ?').run('done', 's1')
   *   broker.publishSync({ topic: 'project-1', type: 'session_updated', payload: { sessionId: 's1', status: 'done' } }, { transaction: database })
   * })()
   */
  publishSync<E extends EventInput<Events>>(event: E, options: { transaction: unknown }): StoredEvent<E['type'], E['payload']>
  publishSync(events: readonly EventInput<Events>[], options: { transaction: unknown }): EventOf<Events>[]
  publishSync(
    input: EventInput<Events> | readonly EventInput<Events>[],
    options: { transaction: unknown },
  ): StoredEvent | StoredEvent[] {
    const stored = this.publisher.publishSync(Array.isArray(input) ? input : [input], options)
    return Array.isArray(input) ? stored : (stored[0] as StoredEvent)
  }

  /**
   * Runs `fn` in a Kysely transaction of `db` and returns what it returned; events published in it
   * (pass `{ transaction: trx }` as usual) are delivered, and sent on the bus, right after the
   * commit; none after a rollback. A bare `{ transaction }` publish outside it is delivered when the
   * store's wake-up (NOTIFY), its relay or the backstop poll finds it.
   * @example
   * await broker.transaction(db, async (trx) => {
   *   await trx.updateTable('sessions').set({ status: 'done' }).where('id', '=', 's1').execute()
   *   await broker.publish({ topic: 'project-1', type: 'session_updated', payload: { sessionId: 's1', status: 'done' } }, { transaction: trx })
   * })
   */
  transaction<Transaction, Result>(
    db: TransactionRunner<Transaction>,
    fn: (transaction: Transaction) => Promise<Result>,
  ): Promise<Result> {
    return this.publisher.transaction(db, fn)
  }

  /**
   * Subscribes in-process: an async iterator over the events of a topic (or of several), from their
   * heads (or after `after`: an event id, or the `lastEventId` of an earlier subscription). It ends
   * normally when `signal` aborts or the loop breaks; when the broker closes it throws
   * {@link BrokerClosedError} (the stream was cut: resume with `lastEventId`). Throws
   * {@link CannotResumeError} when `after` cannot be resumed from in some topic (refetch their
   * state, then subscribe without it).
   * @example
   * for await (const event of broker.subscribe(['user-42', 'project-1'], { signal })) console.log(event.topic, event.type)
   */
  subscribe(topics: string | readonly string[], options: SubscribeOptions<EventOf<Events>> = {}): Subscription<EventOf<Events>> {
    const { after, signal, filter } = options
    const start = async () => {
      if (this.closing) throw new BrokerClosedError()
      const sorted = topicsOf(topics, this.config)
      const positions = positionsOf(after, sorted, this.store)
      const bound =
        filter &&
        new BoundFilter(
          filter as EventFilter,
          { topics: sorted, topic: sorted[0] as string, lastEventId: after },
          this.config.onError,
        )
      const started = await startConnection(this.store, this.connections, sorted, positions, this.isClosing, bound)
      if (!started) throw new BrokerClosedError()
      const [first] = started.resets
      if (first) {
        started.connection.end('closed')
        throw new CannotResumeError(first.reason, after as string, first.topic, started.resets)
      }
      return started
    }
    return createSubscription<EventOf<Events>>(start, signal)
  }

  /**
   * Reads the app's state and the topics' positions in one database snapshot (Postgres
   * `REPEATABLE READ READ ONLY`, SQLite one read transaction): `read` receives a Kysely
   * `Transaction` on the store's database, and a stream or subscription started after the
   * returned `lastEventId` gets exactly the events not already reflected in `state`, with no race
   * between loading and subscribing. `read` must only read. Throws a `TypeError` when the store has
   * no `snapshot`.
   * @example
   * const { state, lastEventId } = await broker.snapshot('project-1', (trx) => trx.selectFrom('sessions').selectAll().execute())
   */
  async snapshot<State, Transaction = any>(
    topics: string | readonly string[],
    read: (transaction: Transaction) => Promise<State>,
  ): Promise<Snapshot<State>> {
    if (this.closing) throw new BrokerClosedError()
    if (!this.store.snapshot) throw new TypeError('durable-sse: this store has no snapshot(); use the SQLite or Postgres store')
    const sorted = topicsOf(topics, this.config)
    const { state, heads } = await this.store.snapshot(sorted, read)
    return {
      state,
      lastEventId: new StreamCursor(
        sorted,
        sorted.map((topic) => heads.get(topic) as string),
      ).text(),
    }
  }

  /**
   * Serves the topic (or topics) as SSE on a Node response (node:http, Express, Koa's
   * `ctx.req`/`ctx.res` with `ctx.respond = false`, Fastify's `reply.raw`), HTTP/1.x or HTTP/2's
   * compatibility API (`http2.createSecureServer((req, res) => ...)`). Resolves when the stream ends.
   * @example
   * app.get('/api/projects/:id/events', (req, res) => broker.handle(req, res, { topic: req.params.id }))
   */
  async handle(
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
    options: StreamOptions<EventOf<Events>>,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const lastEventId = lastEventIdOf(req.headers['last-event-id'], url.searchParams)
    const start = await this.streams.start({
      topics: requested(options),
      lastEventId,
      authorize: options.authorize,
      filter: options.filter as EventFilter | undefined,
      req,
    })
    // Returned, not awaited: an open stream keeps no suspended frame of this function alive.
    return writeNodeStream(req, res, start)
  }

  /**
   * Serves the topic (or topics) as SSE in a web `Response` whose body is a pull-driven
   * `ReadableStream` (Next.js route handlers, Hono, Bun, Deno).
   * @example
   * export const GET = (request: Request) => broker.response(request, { topics: ['user-42', 'project-1'] })
   */
  async response(request: Request, options: StreamOptions<EventOf<Events>>): Promise<Response> {
    const url = new URL(request.url)
    const lastEventId = lastEventIdOf(request.headers.get('last-event-id'), url.searchParams)
    return toWebResponse(
      request,
      await this.streams.start({
        topics: requested(options),
        lastEventId,
        authorize: options.authorize,
        filter: options.filter as EventFilter | undefined,
        request,
      }),
    )
  }

  /**
   * One handler for either world: called as `(req, res)` it serves a Node response (HTTP/1.x or
   * HTTP/2); called as `(request, context)` it returns a web `Response`. `topic` (or `topics`)
   * receives what the framework passed: typed as a web route handler's `(request, context)`
   * unless annotated.
   * @example
   * export const GET = broker.handler({ topic: async (_request, { params }) => (await params).id }) // Next.js
   * const events = broker.handler({ topic: (req: express.Request) => req.params.id })
   * app.get('/api/projects/:id/events', events) // Express
   */
  handler<Args extends unknown[] = [request: Request, context: RouteHandlerContext]>(
    options: HandlerOptions<Args, EventOf<Events>>,
  ): (...args: Args) => Promise<HandlerResult<Args>> {
    return async (...args: Args) => {
      const [first, second] = args as unknown as [unknown, unknown]
      const stream: StreamOptions<EventOf<Events>> = {
        topic: await options.topic?.(...args),
        topics: await options.topics?.(...args),
        authorize: options.authorize,
        filter: options.filter,
      }
      if (isNodeResponse(second)) {
        await this.handle(first as IncomingMessage | Http2ServerRequest, second, stream)
        return undefined as HandlerResult<Args>
      }
      return (await this.response(first as Request, stream)) as HandlerResult<Args>
    }
  }

  /** Current counters: subscribers, topics, lagging, published, delivered, pollLagMs, and the bus's state. */
  stats(): BrokerStats {
    const { subscribers, lagging, delivered } = this.connections.counts()
    return {
      subscribers,
      topics: this.poller.topicCount,
      lagging,
      published: this.publisher.published,
      delivered,
      pollLagMs: this.poller.lastLagMs,
      bus: this.bus.status(),
      relay: this.store.relayRole?.() ?? 'off',
      reads: this.readStatus(),
    }
  }

  /** Where the store's reads go: its own answer, or the primary for a store without replicas. */
  private readStatus(): ReadStatus {
    return this.store.readStatus?.() ?? { target: 'primary', replicas: [] }
  }

  /**
   * Whether this process delivers, for a readiness probe (`/healthz`; cheap enough to call every
   * second, it never queries the store): `ok` is false while a store operation has been failing
   * for longer than `health.storeFailingMs`, the poller (tailing topics) has not completed a poll
   * for longer than `health.pollStalledMs`, or the wake-up path is down without a fallback.
   * @example
   * app.get('/healthz', (_req, res) => { const health = broker.health(); res.status(health.ok ? 200 : 503).json(health) })
   */
  health(): BrokerHealth {
    return healthOf(
      {
        store: this.storeHealth,
        poller: this.poller,
        wake: { bus: this.bus.status(), store: this.storeWakeStatus },
        relay: this.store.relayRole?.() ?? 'off',
        reads: this.readStatus(),
      },
      this.config.health,
    )
  }

  /**
   * Stops taking publishes and connections, waits for publishes in flight, ends every stream
   * cleanly (with a `retry:` hint so browsers come back, maybe to another instance, over a new
   * connection), and stops the poller and timers. Does not close the store: the caller opened it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.publisher.close()
      this.connections.endAll('shutdown')
      this.streams.stopTimers()
      this.poller.stop()
      this.stopRetention()
      this.telemetry?.close()
      this.stopCommitted?.()
      const closingBus = this.bus.close()
      if (closingBus) await closingBus
    })()
    return this.closing
  }
}

/** Whether a handler's second argument is a Node response, HTTP/1.x or HTTP/2 (rather than a web handler's context). */
function isNodeResponse(value: unknown): value is ServerResponse | Http2ServerResponse {
  return typeof (value as ServerResponse | undefined)?.writeHead === 'function'
}

/**
 * Creates a broker over a store. Typed by an event map shared with the client.
 * @example
 * type AppEvents = { session_updated: { sessionId: string; status: string } }
 * const broker = createBroker<AppEvents>(sqliteStore({ filename: 'events.db' }))
 */
export function createBroker<Events extends EventMap = EventMap>(store: EventStore, options?: BrokerOptions): Broker<Events> {
  return new Broker<Events>(store, options)
}
