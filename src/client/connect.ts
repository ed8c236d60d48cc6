/**
 * `connect()`: one `EventSource` to a durable-sse stream, with typed handlers, statuses and resets.
 * @module
 */
import type { EventMap, StoredEvent } from '../event.js'
import { ClientError, ConnectionFailedError } from './errors.js'
import { parseEvent, parseReset } from './parse.js'
import type { Connection, ConnectionStatus, ConnectOptions, EventSourceConstructor, Handlers, MessageEventLike } from './types.js'
import { withLastEventId } from './url.js'

/** Names the client handles itself, or that `EventSource` dispatches: never a handler's type. */
const OWN_TYPES: ReadonlySet<string> = new Set(['connected', 'reset', 'error', 'open'])

/** `EventSource.CLOSED`. */
const CLOSED = 2

/**
 * Opens a durable-sse stream: registers a listener for each handler type, parses each frame's
 * `data` once and hands the handler the typed event. Reconnection is the browser's own: it sends
 * `Last-Event-ID` and the server replays exactly what was missed; when it cannot, `onReset` tells
 * the app to refetch its state. A frame whose `data` is not an event is reported to `onError` and
 * skipped. Handlers are looked up when each event arrives; errors they throw are not caught.
 * @example
 * type AppEvents = { session_updated: { sessionId: string; status: string } }
 * const connection = connect<AppEvents>('/api/projects/p1/events', {
 *   handlers: { session_updated: (event) => render(event.payload.sessionId, event.payload.status) },
 *   onReset: () => refetchProject(),
 *   onStatus: (status) => (pill.textContent = status),
 * })
 * // later
 * connection.close()
 */
export function connect<Events extends EventMap = EventMap>(
  url: string | URL,
  options: ConnectOptions<Events>,
): Connection<Events> {
  const Source = options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource
  if (!Source) {
    throw new TypeError('durable-sse/client: no global EventSource; pass one as options.EventSource')
  }
  const { onReset, onStatus } = options
  const onError = options.onError ?? ((error: ClientError) => console.error('[durable-sse]', error))
  let handlers: Handlers<Events> = options.handlers
  let status: ConnectionStatus = 'connecting'
  let lastEventId = options.lastEventId || undefined
  let stopped = false
  const listening = new Set<string>()

  const setStatus = (next: ConnectionStatus): void => {
    if (status === next) return
    status = next
    onStatus?.(next)
  }
  const track = (event: MessageEventLike): void => {
    if (event.lastEventId) lastEventId = event.lastEventId
  }

  onStatus?.(status)
  const init = options.withCredentials ? { withCredentials: true } : undefined
  const source = new Source(withLastEventId(String(url), lastEventId), init)

  const listen = (type: string): void => {
    if (listening.has(type) || OWN_TYPES.has(type)) return
    listening.add(type)
    source.addEventListener(type, (event) => {
      if (stopped) return
      track(event)
      const handler = handlers[type as keyof Handlers<Events>] as ((event: StoredEvent) => void) | undefined
      if (!handler) return
      let parsed: StoredEvent
      try {
        parsed = parseEvent(type, event.data)
      } catch (error) {
        onError(error as ClientError)
        return
      }
      handler(parsed)
    })
  }

  source.addEventListener('connected', (event) => {
    if (stopped) return
    track(event)
    setStatus('open')
  })
  source.addEventListener('reset', (event) => {
    if (stopped) return
    track(event)
    try {
      const reason = parseReset(event.data)
      onReset?.(reason)
    } catch (error) {
      if (!(error instanceof ClientError)) throw error
      onError(error)
    }
  })
  source.addEventListener('error', (event) => {
    if (stopped) return
    if (source.readyState !== CLOSED) {
      setStatus('reconnecting')
      return
    }
    stopped = true
    setStatus('closed')
    const detail = event as { code?: unknown; message?: unknown }
    onError(
      new ConnectionFailedError(
        typeof detail.code === 'number' ? detail.code : undefined,
        typeof detail.message === 'string' ? detail.message : undefined,
      ),
    )
  })
  for (const type of Object.keys(handlers)) listen(type)

  return {
    get status() {
      return status
    },
    get lastEventId() {
      return lastEventId
    },
    setHandlers(next: Handlers<Events>): void {
      handlers = next
      if (!stopped) for (const type of Object.keys(next)) listen(type)
    },
    close(): void {
      source.close()
      if (stopped) return
      stopped = true
      setStatus('closed')
    },
  }
}
