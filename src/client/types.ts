/**
 * Types of the browser client: handlers typed by the server's event map, statuses, options.
 * @module
 */
import type { ResetReason } from '../errors.js'
import type { EventMap, StoredEvent } from '../event.js'
import type { ClientError, ConnectionFailedError, UnauthorizedError } from './errors.js'

/**
 * One handler per event type, each receiving that type's event with its typed payload. Declare the
 * event map once and use it for `createBroker<Events>()` and `connect<Events>()`.
 * @example
 * type AppEvents = { session_updated: { sessionId: string; status: string } }
 * const handlers: Handlers<AppEvents> = { session_updated: (event) => console.log(event.payload.status) }
 */
export type Handlers<Events extends EventMap> = {
  [Type in keyof Events & string]?: (event: StoredEvent<Type, Events[Type]>) => void
}

/**
 * Where a connection stands: `connecting` (first attempt), `open` (the server sent `connected`:
 * every event committed from now on arrives), `reconnecting` (the stream dropped or an attempt
 * failed; the client comes back by itself and resumes after the last event id), `closed` (by
 * `close()`, a 204 answer, or a 401/403 reported as {@link UnauthorizedError}).
 */
export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'closed'

/** The subset of a `MessageEvent` the client reads. */
export interface MessageEventLike {
  /** The frame's `data`. */
  readonly data: unknown
  /** The last `id:` the EventSource has seen. */
  readonly lastEventId?: string
}

/** The subset of the WHATWG `EventSource` the client uses (the browser's, or the `eventsource` package's). */
export interface EventSourceLike {
  /** 0 connecting, 1 open, 2 closed. */
  readonly readyState: number
  /** Listens to one event type (`error`, or an SSE `event:` name). */
  addEventListener(type: string, listener: (event: MessageEventLike) => void): void
  /** Ends the connection for good. */
  close(): void
}

/** A constructor like `globalThis.EventSource` (or `import { EventSource } from 'eventsource'` in Node). */
export type EventSourceConstructor = new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike

/** What a `reset` frame says: why the server could not resume, and on a stream over several topics, which topic. */
export interface ResetDetail {
  /** `pruned` (deleted by retention), `ahead` (beyond the head), `foreign` (from another database, or a one-topic id on a stream over several). */
  reason: ResetReason
  /** The topic that restarts at its head; absent on one-topic streams of servers that do not name it. */
  topic?: string
}

/** Request headers, or a function called before every (re)connection that returns them (e.g. with a fresh token). */
export type HeadersOption = HeadersInit | (() => HeadersInit | Promise<HeadersInit>)

/** The subset of `fetch` the fetch transport calls. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/** Options of {@link connect}. */
export interface ConnectOptions<Events extends EventMap> {
  /** Handlers by event type; with the native `EventSource`, listeners are registered for the types present at connect (see `setHandlers`). */
  handlers: Handlers<Events>
  /**
   * The server could not resume from the last event id: refetch state. `reason` is `reset.reason`;
   * `reset` also names the topic on streams over several topics (one call per topic).
   */
  onReset?: (reason: ResetReason, reset: ResetDetail) => void
  /** Every status change, starting with `connecting`. */
  onStatus?: (status: ConnectionStatus) => void
  /**
   * A frame the client skipped (its `data` is not an event), an attempt the server refused while the
   * client keeps reconnecting ({@link ConnectionFailedError}), or a refusal that closes the
   * connection ({@link UnauthorizedError}). Network errors only show as `reconnecting`.
   */
  onError?: (error: ClientError) => void
  /**
   * Resume after this id on the first connection: the `lastEventId` query parameter with the native
   * `EventSource`, the `Last-Event-ID` header with the fetch transport. Ids are opaque strings.
   */
  lastEventId?: string
  /** Send cookies cross-origin (`EventSource`'s `withCredentials`; `credentials: 'include'` with the fetch transport). */
  withCredentials?: boolean
  /** The `EventSource` class to use; defaults to `globalThis.EventSource`. Not with `headers`, `fetch` or `shared`. */
  EventSource?: EventSourceConstructor
  /** Headers sent on every (re)connection, e.g. `Authorization`; switches to the fetch transport. */
  headers?: HeadersOption
  /** The `fetch` to call (credentials modes, instrumentation); switches to the fetch transport. Defaults to `globalThis.fetch`. */
  fetch?: FetchLike
  /**
   * One stream for all tabs of this origin that connect to the same URL: the tabs elect a leader
   * (Web Locks) that holds the stream over the fetch transport and relays every frame to the others
   * (BroadcastChannel); when it closes, another tab takes over from the last event id. Where either
   * API is missing, each tab connects on its own. Not with `lastEventId` (a shared stream cannot
   * replay one tab's own resume point).
   */
  shared?: boolean
  /** First delay before reconnecting after a failure, in ms, when the server sent no `retry:`; doubles per failure. Default 1000. */
  backoffMs?: number
  /** Longest delay between reconnection attempts after failures, in ms. Default 30000. */
  maxBackoffMs?: number
}

/** A live connection made by {@link connect}. */
export interface Connection<Events extends EventMap> {
  /** The current status. */
  readonly status: ConnectionStatus
  /** The id of the last event, `reset` or `connected` frame received, if any: where a reconnection resumes. */
  readonly lastEventId: string | undefined
  /** Replaces the handlers without reconnecting; listens to any event type that is new. */
  setHandlers(handlers: Handlers<Events>): void
  /** Closes the connection; no handler is called afterwards. Idempotent. */
  close(): void
}
