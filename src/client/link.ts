/**
 * The contract between `connect()` and the ways frames reach it (links): the browser's
 * `EventSource`, the fetch transport, or a stream shared by the tabs of an origin.
 * @module
 */
import type { ClientError } from './errors.js'
import type { EventSourceConstructor, FetchLike, HeadersOption } from './types.js'

/** One dispatched SSE message. */
export interface Frame {
  /** The `event:` type (`message` when the frame has none). */
  type: string
  /** The `data` lines, joined by LF. */
  data: unknown
  /** The frame's own `id:` (`''` clears the last event id), or undefined when it has none. */
  id: string | undefined
}

/** What a link tells its connection. Calls after the link is closed are ignored. */
export interface LinkSink {
  /** Where a (re)connection resumes: the last event id the connection has seen. */
  lastEventId(): string | undefined
  /** A frame arrived. */
  frame(frame: Frame): void
  /** The stream dropped, or an attempt failed; the link reconnects by itself. */
  reconnecting(): void
  /** An attempt was refused; the link reconnects by itself (report, do not close). */
  failed(error: ClientError): void
  /** The link gave up for good (204, 401/403, no transport); `error` is reported when present. */
  stopped(error?: ClientError): void
}

/** A running link. */
export interface Link {
  /** Makes sure frames of `type` reach the sink (the native `EventSource` dispatches only the types listened to). */
  listen(type: string): void
  /** Stops for good; idempotent. */
  close(): void
}

/** What every link needs to know, resolved from the connect options. */
export interface LinkOptions {
  /** The stream URL as given (relative URLs resolve against the page). */
  url: string
  /** Send cookies cross-origin. */
  withCredentials: boolean
  /** The `EventSource` class (native link). */
  EventSource: EventSourceConstructor | undefined
  /** Headers of each request (fetch transport). */
  headers: HeadersOption | undefined
  /** The `fetch` to call: the option, else `globalThis.fetch` (fetch transport, and the native link's status probe). */
  fetch: FetchLike | undefined
  /** First backoff delay, in ms. */
  backoffMs: number
  /** Backoff ceiling, in ms. */
  maxBackoffMs: number
}

/** Starts a link. */
export type OpenLink = (options: LinkOptions, sink: LinkSink) => Link
