/**
 * Types of the browser client: handlers typed by the server's event map, statuses, options.
 * @module
 */
import type { ResetReason } from '../errors.js'
import type { EventMap, StoredEvent } from '../event.js'
import type { ClientError } from './errors.js'

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
 * every event committed from now on arrives), `reconnecting` (the stream dropped; the browser comes
 * back with `Last-Event-ID`), `closed` (by `close()`, or the browser gave up on a non-200 answer).
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

/** Options of {@link connect}. */
export interface ConnectOptions<Events extends EventMap> {
  /** Handlers by event type; listeners are registered for the types present at connect (see `setHandlers`). */
  handlers: Handlers<Events>
  /** The server could not resume from the last event id (`pruned`, `ahead`, `foreign`): refetch state. */
  onReset?: (reason: ResetReason) => void
  /** Every status change, starting with `connecting`. */
  onStatus?: (status: ConnectionStatus) => void
  /** A frame the client skipped (its `data` is not an event), or the browser giving up on the stream. */
  onError?: (error: ClientError) => void
  /** Resume after this id on the first connection (sent as the `lastEventId` query parameter). */
  lastEventId?: string
  /** Send cookies cross-origin (`EventSource`'s `withCredentials`). */
  withCredentials?: boolean
  /** The `EventSource` class to use; defaults to `globalThis.EventSource`. */
  EventSource?: EventSourceConstructor
}

/** A live connection made by {@link connect}. */
export interface Connection<Events extends EventMap> {
  /** The current status. */
  readonly status: ConnectionStatus
  /** The id of the last event, `reset` or `connected` frame received, if any. */
  readonly lastEventId: string | undefined
  /** Replaces the handlers without reconnecting; listens to any event type that is new. */
  setHandlers(handlers: Handlers<Events>): void
  /** Closes the connection; no handler is called afterwards. Idempotent. */
  close(): void
}
