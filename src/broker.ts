/**
 * The broker: publishes events to the store, holds subscribers by topic, owns the poller and
 * serves SSE to Node responses and web requests.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  BrokerClosedError,
  CannotResumeError,
  DurableSseError,
  InvalidEventIdError,
  PublishFailedError,
  type ResetReason,
} from './errors.js'
import {
  assertTopic,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_TOPIC_LENGTH,
  DEFAULT_MAX_TYPE_LENGTH,
  type EventInput,
  type EventLimits,
  type EventMap,
  type EventOf,
  type EventRecord,
  type StoredEvent,
  toDraft,
  toStoredEvent,
} from './event.js'
import { GroupCommit } from './group-commit.js'
import { Poller } from './poller.js'
import { RecordScreen } from './screen.js'
import { Batch } from './sse/batch.js'
import { connectedFrame, resetFrame, retryFrame } from './sse/frame.js'
import { writeNodeStream } from './sse/node.js'
import { lastEventIdOf } from './sse/request.js'
import type { StreamStart } from './sse/stream-start.js'
import { toWebResponse } from './sse/web.js'
import type { EventStore } from './store.js'
import { Subscriber, type SubscriberHost } from './subscriber.js'
import { batchesOf } from './subscription.js'

/** Options of {@link createBroker}; every one has a production default. */
export interface BrokerOptions {
  /** Interval of the heartbeat comment, in ms; 0 disables it. Default 15,000. */
  heartbeatMs?: number
  /** `retry:` sent when a stream opens, in ms. Default 2,000. */
  retryMs?: number
  /** Backstop poll interval when no wake-up signal arrives, in ms. Default 1,000. */
  pollIntervalMs?: number
  /** Events read per topic per poll, and per catch-up page. Default 500. */
  batchSize?: number
  /** Events buffered per subscriber before it falls back to catching up from the store. Default 1,000. */
  queueLimit?: number
  /** What a subscriber whose queue overflows does: page from the store, or end its stream. Default `'catch-up'`. */
  onSlow?: 'catch-up' | 'disconnect'
  /** Largest serialised payload, in bytes. Default 65,536. */
  maxPayloadBytes?: number
  /** Largest topic, in characters. Default 200. */
  maxTopicLength?: number
  /** Largest event type, in characters. Default 100. */
  maxTypeLength?: number
  /** Most subscribers in this process; past it, SSE requests get 200 + `retry:` + end. Default unlimited. */
  maxSubscribers?: number
  /** End each SSE stream cleanly after this long, in ms (serverless limits); the browser resumes losslessly. Default none. */
  maxStreamMs?: number
  /** Re-run `authorize` for open streams this often, in ms, ending those it now refuses. Default 0 (never). */
  reauthorizeMs?: number
  /** Delete events older than `maxAgeMs`, every `intervalMs` (default: a tenth of the age, at most an hour). Default none. */
  retention?: RetentionOptions
  /** Where errors the broker handles itself go (poll and retention failures, authorize throwing). Default `console.error`. */
  onError?: (error: unknown) => void
}

/** How long events are kept; see {@link BrokerOptions.retention}. */
export interface RetentionOptions {
  /** Events older than this are deleted, in ms. */
  maxAgeMs: number
  /** How often to delete, in ms. */
  intervalMs?: number
}

/** The answer of an `authorize` callback: `true` (or nothing) allows, `false` is a 403, `401`/`403` pick the status. */
export type AuthorizeResult = boolean | 401 | 403 | undefined

/** What `authorize` is told about an SSE request. */
export interface AuthorizeContext {
  /** The requested topic. */
  topic: string
  /** The id the client resumes after, if any. */
  lastEventId: string | undefined
  /** The Node request (Node handlers). */
  req?: IncomingMessage
  /** The web request (web handlers). */
  request?: Request
}

/** Decides whether a request may subscribe to its topic; runs before any replay. May be async. */
export type Authorize = (context: AuthorizeContext) => AuthorizeResult | Promise<AuthorizeResult>

/** Options of {@link Broker.handle} and {@link Broker.response}. */
export interface StreamOptions {
  /** The topic to stream. */
  topic: string
  /** Access check; a refusal answers 401/403 before any stream starts. */
  authorize?: Authorize
}

/** Options of {@link Broker.publish}. */
export interface PublishOptions {
  /** The caller's open transaction: the events commit (and are delivered) only if it commits. */
  transaction?: unknown
}

/** Options of {@link Broker.subscribe}. */
export interface SubscribeOptions {
  /** Resume strictly after this event id; without it, start from the topic's current head. */
  after?: string
  /** Ends the iteration when aborted. */
  signal?: AbortSignal
}

/** The async iterator {@link Broker.subscribe} returns, with a promise that tells when it is registered. */
export interface Subscription<Event> extends AsyncIterableIterator<Event> {
  /** Resolves once registered: every event committed after that is delivered. Rejects like the iterator would. */
  readonly ready: Promise<void>
}

/** Counters of one broker. */
export interface BrokerStats {
  /** Open subscribers (SSE streams and iterators). */
  subscribers: number
  /** Topics being tailed. */
  topics: number
  /** Subscribers catching up from the store. */
  lagging: number
  /** Events published through this broker. */
  published: number
  /** Events handed to subscribers' consumers. */
  delivered: number
  /** Milliseconds from the oldest wake-up served by the last poll to its fan-out. */
  pollLagMs: number
}

/** What the broker keeps per SSE stream besides its subscriber. */
interface StreamEntry {
  authorize: Authorize | undefined
  context: AuthorizeContext
  expiry: ReturnType<typeof setTimeout> | undefined
}

interface Opened {
  subscriber: Subscriber
  start: string
  reset: ResetReason | undefined
}

/**
 * Publishes events durably and streams them to subscribers over SSE. Make one per process with
 * {@link createBroker}.
 */
export class Broker<Events extends EventMap = EventMap> {
  private readonly store: EventStore
  private readonly options: Required<Omit<BrokerOptions, 'retention' | 'maxStreamMs'>> &
    Pick<BrokerOptions, 'retention' | 'maxStreamMs'>
  private readonly limits: EventLimits
  private readonly groupCommit: GroupCommit
  private readonly poller: Poller
  private readonly screen: RecordScreen
  private readonly host: SubscriberHost
  private readonly subscribers = new Set<Subscriber>()
  /** Open SSE streams, with what `maxStreamMs` and re-authorization need when they apply. */
  private readonly streams = new Map<Subscriber, StreamEntry | undefined>()
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private reauthorize: ReturnType<typeof setInterval> | undefined
  private retention: ReturnType<typeof setInterval> | undefined
  private published = 0
  private deliveredByEnded = 0
  private closing: Promise<void> | undefined

  /** Prefer {@link createBroker}. */
  constructor(store: EventStore, options: BrokerOptions = {}) {
    this.store = store
    this.options = {
      heartbeatMs: 15_000,
      retryMs: 2_000,
      pollIntervalMs: 1_000,
      batchSize: 500,
      queueLimit: 1_000,
      onSlow: 'catch-up',
      maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
      maxTopicLength: DEFAULT_MAX_TOPIC_LENGTH,
      maxTypeLength: DEFAULT_MAX_TYPE_LENGTH,
      maxSubscribers: Number.POSITIVE_INFINITY,
      reauthorizeMs: 0,
      onError: (error) => console.error('[durable-sse]', error),
      ...withoutUndefined(options),
    }
    this.limits = this.options
    this.groupCommit = new GroupCommit(store)
    this.screen = new RecordScreen(this.options.onError)
    this.poller = new Poller(store, {
      pollIntervalMs: this.options.pollIntervalMs,
      batchSize: this.options.batchSize,
      onError: this.options.onError,
      screen: this.screen,
    })
    const { queueLimit, batchSize, onSlow, onError } = this.options
    this.host = {
      queueLimit,
      pageSize: batchSize,
      onSlow,
      read: (topic, after, limit) => this.catchUp(topic, after, limit),
      cursor: (topic) => this.poller.cursor(topic),
      ended: (subscriber) => this.forget(subscriber),
      failed: onError,
    }
    this.startRetention()
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
    options: PublishOptions = {},
  ): Promise<StoredEvent | StoredEvent[]> {
    if (this.closing) throw new BrokerClosedError()
    const events: readonly EventInput<Events>[] = Array.isArray(input) ? input : [input as EventInput<Events>]
    const drafts = events.map((event) => toDraft(event, this.limits))
    const records =
      options.transaction === undefined
        ? await this.groupCommit.append(drafts)
        : await this.store.append(drafts, { transaction: options.transaction }).catch((cause: unknown) => {
            // A usage error (not a transaction this store can join) stays as it is.
            throw cause instanceof DurableSseError || cause instanceof TypeError ? cause : new PublishFailedError(cause)
          })
    this.published += records.length
    let previous: string | undefined
    for (const { topic } of records) {
      if (topic !== previous) this.poller.wake(topic)
      previous = topic
    }
    const stored = records.map((record, i) => ({
      id: record.id,
      topic: record.topic,
      type: record.type,
      payload: (events[i] as EventInput<Events>).payload,
      createdAt: record.createdAt,
    }))
    return Array.isArray(input) ? stored : (stored[0] as StoredEvent)
  }

  /**
   * Subscribes in-process: an async iterator over the topic's events, from its head (or after
   * `after`) until `signal` aborts, the loop breaks, or the broker closes. Throws
   * {@link CannotResumeError} when `after` cannot be resumed from (refetch state, then subscribe
   * without it).
   * @example
   * for await (const event of broker.subscribe('project-1', { signal })) console.log(event.type)
   */
  subscribe(topic: string, options: SubscribeOptions = {}): Subscription<EventOf<Events>> {
    const { after, signal } = options
    const opening = this.open(topic, after).then((opened) => {
      if (opened.reset) {
        opened.subscriber.end('closed')
        throw new CannotResumeError(opened.reset, after as string)
      }
      return opened.subscriber
    })
    const ready = opening.then(() => undefined)
    // Surfaced through `ready` and the iterator; never an unhandled rejection if one is unused.
    ready.catch(() => {})
    const iterate = async function* (this: Broker<Events>): AsyncGenerator<EventOf<Events>> {
      const subscriber = await opening
      const abort = () => subscriber.end('closed')
      if (signal?.aborted) abort()
      signal?.addEventListener('abort', abort, { once: true })
      try {
        for await (const batch of batchesOf(subscriber)) {
          for (const record of batch.records) yield toStoredEvent(record) as EventOf<Events>
        }
        if (subscriber.resetError) throw subscriber.resetError
      } finally {
        signal?.removeEventListener('abort', abort)
        subscriber.end('closed')
      }
    }.call(this)
    return Object.assign(iterate, { ready })
  }

  /**
   * Serves the topic as SSE on a Node response (node:http, Express, Koa's `ctx.req`/`ctx.res`
   * with `ctx.respond = false`, Fastify's `reply.raw`). Resolves when the stream ends.
   * @example
   * app.get('/api/projects/:id/events', (req, res) => broker.handle(req, res, { topic: req.params.id }))
   */
  async handle(req: IncomingMessage, res: ServerResponse, options: StreamOptions): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const lastEventId = lastEventIdOf(req.headers['last-event-id'], url.searchParams)
    const start = await this.startStream(options, lastEventId, { req })
    // Returned, not awaited: an open stream keeps no suspended frame of this function alive.
    return writeNodeStream(req, res, start)
  }

  /**
   * Serves the topic as SSE in a web `Response` whose body is a pull-driven `ReadableStream`
   * (Next.js route handlers, Hono, Bun, Deno).
   * @example
   * export const GET = (request: Request) => broker.response(request, { topic: 'project-1' })
   */
  async response(request: Request, options: StreamOptions): Promise<Response> {
    const url = new URL(request.url)
    const lastEventId = lastEventIdOf(request.headers.get('last-event-id'), url.searchParams)
    return toWebResponse(request, await this.startStream(options, lastEventId, { request }))
  }

  /**
   * One handler for either world: called as `(req, res)` it serves a Node response; called as
   * `(request, context)` it returns a web `Response`. `topic` receives what the framework passed.
   * @example
   * const events = broker.handler({ topic: (req) => req.params.id })
   * app.get('/api/projects/:id/events', events) // Express
   * export const GET = broker.handler({ topic: async (_request, { params }) => (await params).id }) // Next.js
   */
  handler<Args extends unknown[]>(options: {
    topic: (...args: Args) => string | Promise<string>
    authorize?: Authorize
  }): (...args: Args) => Promise<Response | undefined> {
    return async (...args: Args) => {
      const [first, second] = args as unknown as [unknown, unknown]
      const topic = await options.topic(...args)
      if (isServerResponse(second)) {
        await this.handle(first as IncomingMessage, second, { topic, authorize: options.authorize })
        return undefined
      }
      return this.response(first as Request, { topic, authorize: options.authorize })
    }
  }

  /** Current counters: subscribers, topics, lagging, published, delivered, pollLagMs. */
  stats(): BrokerStats {
    let lagging = 0
    let delivered = this.deliveredByEnded
    for (const subscriber of this.subscribers) {
      if (subscriber.lagging) lagging++
      delivered += subscriber.delivered
    }
    return {
      subscribers: this.subscribers.size,
      topics: this.poller.topicCount,
      lagging,
      published: this.published,
      delivered,
      pollLagMs: this.poller.lastLagMs,
    }
  }

  /**
   * Stops taking publishes and subscribers, waits for publishes in flight, ends every stream
   * cleanly (with a `retry:` hint so browsers come back, maybe to another instance), and stops the
   * poller and timers. Does not close the store: the caller opened it.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.groupCommit.settled()
      for (const subscriber of [...this.subscribers]) subscriber.end('shutdown')
      this.poller.stop()
      this.stopStreamTimers()
      clearInterval(this.retention)
    })()
    return this.closing
  }

  /** Validates, authorizes and registers an SSE request; every refusal happens here, before the stream. */
  private async startStream(
    options: StreamOptions,
    lastEventId: string | undefined,
    request: { req?: IncomingMessage; request?: Request },
  ): Promise<StreamStart> {
    const { topic, authorize } = options
    try {
      assertTopic(topic, this.options.maxTopicLength)
      if (lastEventId !== undefined) this.assertEventId(lastEventId)
    } catch (error) {
      return { kind: 'refuse', status: 400, body: (error as Error).message }
    }
    if (authorize) {
      let verdict: AuthorizeResult
      try {
        verdict = await authorize({ topic, lastEventId, ...request })
      } catch (error) {
        this.options.onError(error)
        return { kind: 'refuse', status: 500, body: 'authorization failed' }
      }
      if (verdict === false || verdict === 403) return { kind: 'refuse', status: 403, body: 'forbidden' }
      if (verdict === 401) return { kind: 'refuse', status: 401, body: 'unauthorized' }
    }
    const retryMs = this.options.retryMs
    if (this.closing || this.subscribers.size >= this.options.maxSubscribers) return { kind: 'retry-later', retryMs }
    let opened: Opened
    try {
      opened = await this.open(topic, lastEventId)
    } catch (error) {
      if (!(error instanceof BrokerClosedError)) this.options.onError(error)
      return { kind: 'retry-later', retryMs }
    }
    const { subscriber, start, reset } = opened
    this.track(subscriber, authorize, { topic, lastEventId, ...request })
    const prelude = retryFrame(retryMs) + (reset ? resetFrame(start, reset) : '') + connectedFrame(start)
    return { kind: 'stream', subscriber, prelude, retryMs }
  }

  /** Registers a subscriber of `topic` starting after `after` (or at the head, or at the head after a reset). */
  private async open(topic: string, after: string | undefined): Promise<Opened> {
    if (this.closing) throw new BrokerClosedError()
    assertTopic(topic, this.options.maxTopicLength)
    if (after !== undefined) this.assertEventId(after)
    const head = (await this.store.heads([topic])).get(topic) as string
    let start = head
    let reset: ResetReason | undefined
    if (after !== undefined) {
      const check = await this.store.checkResume(topic, after)
      if (check.ok) start = after
      else reset = check.reason
    }
    if (this.closing) throw new BrokerClosedError()
    const subscriber = new Subscriber(topic, start, this.host)
    this.subscribers.add(subscriber)
    this.poller.attach(subscriber, head)
    subscriber.begin()
    return { subscriber, start, reset }
  }

  /**
   * One catch-up page. Retention deletes oldest first, so if the topic was not pruned past `after`
   * once the read is done, nothing after `after` was deleted before it: the page has no gap.
   */
  private async catchUp(topic: string, after: string, limit: number): Promise<Batch | undefined> {
    const page = (await this.store.readAfter([{ topic, after }], limit)).get(topic) ?? []
    const check = await this.store.checkResume(topic, after)
    if (!check.ok) throw new CannotResumeError(check.reason, after)
    if (page.length === 0) return undefined
    return new Batch(this.screen.pass(topic, page), (page[page.length - 1] as EventRecord).id)
  }

  /** Registers an SSE stream for heartbeats, `maxStreamMs` and re-authorization. */
  private track(subscriber: Subscriber, authorize: Authorize | undefined, context: AuthorizeContext): void {
    const { maxStreamMs, reauthorizeMs } = this.options
    const expiry = maxStreamMs ? setTimeout(() => subscriber.end('expired'), maxStreamMs) : undefined
    expiry?.unref()
    // Thousands of idle streams are the common case: keep nothing per stream that is not needed.
    const needed = expiry !== undefined || (authorize !== undefined && reauthorizeMs > 0)
    this.streams.set(subscriber, needed ? { authorize, context, expiry } : undefined)
    if (!this.heartbeat && this.options.heartbeatMs > 0) {
      this.heartbeat = setInterval(() => {
        for (const stream of this.streams.keys()) stream.heartbeat()
      }, this.options.heartbeatMs)
      this.heartbeat.unref()
    }
    if (!this.reauthorize && this.options.reauthorizeMs > 0) {
      this.reauthorize = setInterval(() => void this.reauthorizeStreams(), this.options.reauthorizeMs)
      this.reauthorize.unref()
    }
  }

  /** Ends every stream whose `authorize` now refuses (or throws). */
  private async reauthorizeStreams(): Promise<void> {
    await Promise.all(
      [...this.streams].map(async ([subscriber, entry]) => {
        if (!entry?.authorize) return
        const { authorize, context } = entry
        let verdict: AuthorizeResult
        try {
          verdict = await authorize(context)
        } catch (error) {
          this.options.onError(error)
          verdict = false
        }
        if (verdict === false || verdict === 401 || verdict === 403) subscriber.end('unauthorized')
      }),
    )
  }

  private forget(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber)
    this.deliveredByEnded += subscriber.delivered
    this.poller.detach(subscriber)
    if (!this.streams.has(subscriber)) return
    clearTimeout(this.streams.get(subscriber)?.expiry)
    this.streams.delete(subscriber)
    if (this.streams.size === 0) this.stopStreamTimers()
  }

  private stopStreamTimers(): void {
    clearInterval(this.heartbeat)
    clearInterval(this.reauthorize)
    this.heartbeat = undefined
    this.reauthorize = undefined
  }

  /** Deletes events older than `retention.maxAgeMs` every `intervalMs`; the store keeps one process at a time at it. */
  private startRetention(): void {
    const retention = this.options.retention
    if (!retention) return
    const intervalMs = retention.intervalMs ?? Math.min(Math.max(retention.maxAgeMs / 10, 1_000), 3_600_000)
    this.retention = setInterval(() => {
      this.store.deleteBefore(new Date(Date.now() - retention.maxAgeMs)).catch(this.options.onError)
    }, intervalMs)
    this.retention.unref()
  }

  private assertEventId(id: string): void {
    if (id.length > 200 || !this.store.isValidId(id)) {
      throw new InvalidEventIdError(`malformed event id ${JSON.stringify(id.slice(0, 40))}`)
    }
  }
}

/** Whether a handler's second argument is a Node response (rather than a web handler's context). */
function isServerResponse(value: unknown): value is ServerResponse {
  return typeof (value as ServerResponse | undefined)?.writeHead === 'function'
}

function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>
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
