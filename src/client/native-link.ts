/**
 * The native link: the browser's `EventSource`. It reconnects by itself after network errors and
 * clean ends (sending `Last-Event-ID`, honouring `retry:`), but gives up for good on any non-200
 * answer, such as a proxy's 502 while the app is down. The link then learns the status (from the
 * error event when the implementation tells, else with one `fetch`) and, unless the status means
 * stop, opens a new `EventSource` after a backoff, resuming with the `lastEventId` query parameter.
 * @module
 */
import { verdictOf } from './answer.js'
import { onBackOnline } from './back-online.js'
import { Backoff } from './backoff.js'
import type { Link, LinkOptions, LinkSink } from './link.js'
import { reconnectTimer } from './reconnect-timer.js'
import type { EventSourceConstructor, EventSourceLike, MessageEventLike } from './types.js'
import { withLastEventId } from './url.js'

/** `EventSource.CONNECTING`. */
const CONNECTING = 0
/** `EventSource.CLOSED`. */
const CLOSED = 2

/** The status and type of an answer, or no status for a network error. */
type Answer = { status: number | undefined; contentType: string | null }

/** Opens the native link; `options.EventSource` is set (connect checks). */
export function openNativeLink(options: LinkOptions, sink: LinkSink): Link {
  const Source = options.EventSource as EventSourceConstructor
  const init = options.withCredentials ? { withCredentials: true } : undefined
  const types = new Set(['connected', 'reset'])
  const backoff = new Backoff(options.backoffMs, options.maxBackoffMs)
  let source: EventSourceLike | undefined
  let probing: AbortController | undefined
  let closed = false

  const deliver = (from: EventSourceLike, type: string): void =>
    from.addEventListener(type, (event) => {
      if (!closed && source === from) sink.frame({ type, data: event.data, id: event.lastEventId || undefined })
    })

  /** Asks for the stream once with `fetch`, only to read the status the `EventSource` does not expose. */
  const probe = async (): Promise<Answer> => {
    const request = options.fetch
    if (!request) return { status: undefined, contentType: null }
    const controller = new AbortController()
    probing = controller
    try {
      const response = await request(withLastEventId(options.url, sink.lastEventId()), {
        headers: { Accept: 'text/event-stream' },
        credentials: options.withCredentials ? 'include' : 'same-origin',
        cache: 'no-store',
        signal: controller.signal,
      })
      return { status: response.status, contentType: response.headers.get('content-type') }
    } catch {
      return { status: undefined, contentType: null }
    } finally {
      // Only the status was wanted: drop the body (and the stream the server may have opened).
      controller.abort()
      probing = undefined
    }
  }

  const recover = async (event: MessageEventLike): Promise<void> => {
    const code = (event as { code?: unknown }).code
    const answer: Answer = typeof code === 'number' ? { status: code, contentType: null } : await probe()
    if (closed) return
    const { stop, error } = verdictOf(answer.status, answer.contentType)
    if (stop) return sink.stopped(error)
    if (error) sink.failed(error)
    sink.reconnecting()
    retry.later(backoff.afterFailure())
  }

  const open = (): void => {
    const current = new Source(withLastEventId(options.url, sink.lastEventId()), init)
    source = current
    for (const type of types) deliver(current, type)
    current.addEventListener('open', () => {
      if (source === current) backoff.reset()
    })
    current.addEventListener('error', (event) => {
      if (closed || source !== current) return
      if (current.readyState !== CLOSED) return sink.reconnecting()
      source = undefined
      current.close()
      void recover(event)
    })
  }

  const retry = reconnectTimer(open)
  /** Back online: reconnect now if waiting out a backoff or the `EventSource`'s own `retry:` delay. */
  const stopListening = onBackOnline(() => {
    if (closed || retry.now() || source?.readyState !== CONNECTING) return
    source.close()
    open()
  })

  open()
  return {
    listen(type) {
      if (types.has(type)) return
      types.add(type)
      if (source) deliver(source, type)
    },
    close() {
      closed = true
      stopListening()
      retry.cancel()
      probing?.abort()
      source?.close()
      source = undefined
    },
  }
}
