/**
 * The stream server: decides about each SSE request before any byte is written (its topics and
 * position are validated, `authorize` runs, limits and shutdown are checked), starts its
 * connection, makes its opening frames (`retry:`, a `reset` per topic that cannot resume,
 * `connected`: the stream's writer writes them first), and keeps the timers of open streams: one
 * shared heartbeat, `maxStreamMs`, and re-authorization.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Http2ServerRequest } from 'node:http2'
import { type Authorize, type AuthorizeContext, type AuthorizeResult, refusalOf } from './authorize.js'
import type { Connection } from './connection.js'
import { startConnection } from './connection-start.js'
import type { Connections } from './connections.js'
import { StreamCursor } from './cursor.js'
import { BoundFilter, type EventFilter } from './event-filter.js'
import { connectedFrame, resetFrame, retryFrame } from './frame.js'
import type { BrokerConfig } from './options.js'
import type { StreamStart } from './sse/stream-start.js'
import { sseOpener } from './sse/writer.js'
import type { EventStore } from './store.js'
import { positionsOf, topicsOf } from './stream-request.js'

/** An SSE request, as the transports read it. */
export interface StreamRequest {
  /** The topic or topics asked for (validated here). */
  topics: string | readonly string[]
  /** The position the client resumes after (`Last-Event-ID`, or `?lastEventId=` on a first connection). */
  lastEventId: string | undefined
  /** Access check. */
  authorize: Authorize | undefined
  /** Per-event filter. */
  filter?: EventFilter | undefined
  /** The Node request (Node handlers): HTTP/1.x, or HTTP/2's compatibility API. */
  req?: IncomingMessage | Http2ServerRequest
  /** The web request (web handlers). */
  request?: Request
}

/** What the server keeps per open stream, when `maxStreamMs` or re-authorization need it. */
interface StreamEntry {
  authorize: Authorize | undefined
  context: AuthorizeContext
  expiry: ReturnType<typeof setTimeout> | undefined
}

/** Serves SSE streams of one broker. */
export class StreamServer {
  private readonly config: BrokerConfig
  private readonly store: EventStore
  private readonly connections: Connections
  /** Open streams; an entry only when `maxStreamMs` or re-authorization need one (thousands of idle streams are the common case). */
  private readonly streams = new Map<Connection, StreamEntry | undefined>()
  /** Whether the broker is closing: from then on every new stream gets "retry later". */
  private readonly closing: () => boolean
  private heartbeat: ReturnType<typeof setInterval> | undefined
  private reauthorize: ReturnType<typeof setInterval> | undefined

  constructor(config: BrokerConfig, store: EventStore, connections: Connections, closing: () => boolean) {
    this.config = config
    this.store = store
    this.connections = connections
    this.closing = closing
  }

  /** Validates, authorizes and starts a stream; every refusal happens here, before the stream. */
  async start(request: StreamRequest): Promise<StreamStart> {
    const { config } = this
    let topics: string[]
    let positions: Map<string, string | null>
    try {
      topics = topicsOf(request.topics, config)
      positions = positionsOf(request.lastEventId, topics, this.store)
    } catch (error) {
      return { kind: 'refuse', status: 400, body: (error as Error).message }
    }
    const { lastEventId, authorize, req, request: webRequest } = request
    const context: AuthorizeContext = { topics, topic: topics[0] as string, lastEventId, req, request: webRequest }
    const filter = request.filter && new BoundFilter(request.filter, context, config.onError)
    if (authorize) {
      let verdict: AuthorizeResult
      try {
        verdict = await authorize(context)
      } catch (error) {
        config.onError(error)
        return { kind: 'refuse', status: 500, body: 'authorization failed' }
      }
      const status = refusalOf(verdict)
      if (status === 403) return { kind: 'refuse', status, body: 'forbidden' }
      if (status === 401) return { kind: 'refuse', status, body: 'unauthorized' }
    }
    const retryLater = { kind: 'retry-later', body: retryFrame(config.retryMs) } as const
    if (this.closing() || this.connections.size >= config.maxSubscribers) return retryLater
    let started: Awaited<ReturnType<typeof startConnection>>
    try {
      started = await startConnection(this.store, this.connections, topics, positions, this.closing, filter)
    } catch (error) {
      config.onError(error)
      return retryLater
    }
    if (!started) return retryLater
    const { connection, starts, resets } = started
    this.track(connection, authorize, context)
    const startId = new StreamCursor(topics, starts).text()
    const prelude =
      retryFrame(config.retryMs) +
      resets.map(({ topic, reason }) => resetFrame(startId, reason, topic)).join('') +
      connectedFrame(startId)
    return { kind: 'stream', open: sseOpener(connection, starts, prelude, config.retryMs) }
  }

  /** Registers a stream for heartbeats, `maxStreamMs` and re-authorization. */
  private track(connection: Connection, authorize: Authorize | undefined, context: AuthorizeContext): void {
    const { maxStreamMs, reauthorizeMs, heartbeatMs } = this.config
    const expiry = maxStreamMs ? setTimeout(() => connection.end('expired'), maxStreamMs) : undefined
    expiry?.unref()
    const needed = expiry !== undefined || (authorize !== undefined && reauthorizeMs > 0)
    this.streams.set(connection, needed ? { authorize, context, expiry } : undefined)
    connection.whenEnded = this.forget
    if (!this.heartbeat && heartbeatMs > 0) {
      this.heartbeat = setInterval(() => {
        for (const stream of this.streams.keys()) stream.heartbeat()
      }, heartbeatMs)
      this.heartbeat.unref()
    }
    if (!this.reauthorize && reauthorizeMs > 0) {
      this.reauthorize = setInterval(() => void this.reauthorizeStreams(), reauthorizeMs)
      this.reauthorize.unref()
    }
  }

  /** Ends every stream whose `authorize` now refuses (or throws). */
  private async reauthorizeStreams(): Promise<void> {
    await Promise.all(
      [...this.streams].map(async ([connection, entry]) => {
        if (!entry?.authorize) return
        let verdict: AuthorizeResult
        try {
          verdict = await entry.authorize(entry.context)
        } catch (error) {
          this.config.onError(error)
          verdict = false
        }
        if (refusalOf(verdict) !== undefined) connection.end('unauthorized')
      }),
    )
  }

  /** Forgets an ended stream (its connection's `whenEnded`). */
  private readonly forget = (connection: Connection): void => {
    if (!this.streams.has(connection)) return
    clearTimeout(this.streams.get(connection)?.expiry)
    this.streams.delete(connection)
    if (this.streams.size === 0) this.stopTimers()
  }

  /** Stops the heartbeat and re-authorization timers (at close; the broker ends every connection). */
  stopTimers(): void {
    clearInterval(this.heartbeat)
    clearInterval(this.reauthorize)
    this.heartbeat = undefined
    this.reauthorize = undefined
  }
}
