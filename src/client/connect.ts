/**
 * `connect()`: one durable-sse stream with typed handlers, statuses and resets, that recovers from
 * any outage by itself.
 * @module
 */
import type { EventMap, StoredEvent } from '../event.js'
import { chooseLink } from './choose-link.js'
import { ClientError } from './errors.js'
import type { Frame, Link, LinkSink } from './link.js'
import { parseEvent, parseReset } from './parse.js'
import type { Connection, ConnectionStatus, ConnectOptions, Handlers, ResetDetail } from './types.js'

/** Names the client handles itself, or that `EventSource` dispatches: never a handler's type. */
const OWN_TYPES: ReadonlySet<string> = new Set(['connected', 'reset', 'error', 'open'])

/**
 * Opens a durable-sse stream: parses each frame's `data` once and hands the handler of its type
 * the typed event. It reconnects by itself, resuming after the last event id, whatever broke: a
 * network error, the server ending the stream (`retry:` is honoured), or an answer that is not
 * the stream (a proxy's 502 while the app is down, a 503, a wrong content type), with capped
 * exponential backoff and jitter. It stops only on `close()`, a 204 answer, or 401/403 (reported
 * as {@link UnauthorizedError}). When the server cannot resume, `onReset` tells the app to
 * refetch its state. A frame whose `data` is not an event is reported to `onError` and skipped.
 * Handlers are looked up when each event arrives; errors they throw are not caught.
 *
 * Transports: the browser's `EventSource` by default; `fetch` when `headers` or `fetch` is given;
 * with `shared: true`, one stream per browser shared by the tabs. The fetch transport and the
 * sharing code are loaded on first use only.
 * @example
 * type AppEvents = { session_updated: { sessionId: string; status: string } }
 * const connection = connect<AppEvents>('/api/projects/p1/events', {
 *   handlers: { session_updated: (event) => render(event.payload.sessionId, event.payload.status) },
 *   onReset: () => refetchProject(),
 *   onStatus: (status) => (pill.textContent = status),
 *   headers: () => ({ Authorization: `Bearer ${session.token}` }),
 *   shared: true,
 * })
 * // later
 * connection.close()
 */
export function connect<Events extends EventMap = EventMap>(
  url: string | URL,
  options: ConnectOptions<Events>,
): Connection<Events> {
  const chosen = chooseLink(String(url), options)
  const { onReset, onStatus } = options
  const onError = options.onError ?? ((error: ClientError) => console.error('[durable-sse]', error))
  let handlers: Handlers<Events> = options.handlers
  let status: ConnectionStatus = 'connecting'
  let lastEventId = options.lastEventId || undefined
  let stopped = false
  let link: Link | undefined

  const setStatus = (next: ConnectionStatus): void => {
    if (status === next) return
    status = next
    onStatus?.(next)
  }

  const reset = (data: unknown): void => {
    let detail: ResetDetail
    try {
      detail = parseReset(data)
    } catch (error) {
      onError(error as ClientError)
      return
    }
    onReset?.(detail.reason, detail)
  }

  const deliver = (frame: Frame): void => {
    const handler = handlers[frame.type as keyof Handlers<Events>] as ((event: StoredEvent) => void) | undefined
    if (!handler) return
    let parsed: StoredEvent
    try {
      parsed = parseEvent(frame.type, frame.data)
    } catch (error) {
      onError(error as ClientError)
      return
    }
    handler(parsed)
  }

  const receive = (frame: Frame): void => {
    if (frame.id !== undefined) lastEventId = frame.id || undefined
    if (frame.type === 'connected') setStatus('open')
    else if (frame.type === 'reset') reset(frame.data)
    else if (!OWN_TYPES.has(frame.type)) deliver(frame)
  }

  const sink: LinkSink = {
    lastEventId: () => lastEventId,
    frame: (frame) => {
      if (!stopped) receive(frame)
    },
    reconnecting: () => {
      if (!stopped) setStatus('reconnecting')
    },
    failed: (error) => {
      if (!stopped) onError(error)
    },
    stopped: (error) => {
      if (stopped) return
      stopped = true
      link?.close()
      setStatus('closed')
      if (error instanceof ClientError) onError(error)
    },
  }

  onStatus?.(status)
  link = chosen.open(chosen.options, sink)
  const listen = (types: Handlers<Events>): void => {
    for (const type of Object.keys(types)) if (!OWN_TYPES.has(type)) link?.listen(type)
  }
  listen(handlers)

  return {
    get status() {
      return status
    },
    get lastEventId() {
      return lastEventId
    },
    setHandlers(next: Handlers<Events>): void {
      handlers = next
      if (!stopped) listen(next)
    },
    close(): void {
      link?.close()
      if (stopped) return
      stopped = true
      setStatus('closed')
    },
  }
}
