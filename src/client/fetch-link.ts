/**
 * The fetch transport: the stream over `fetch`, so requests can carry headers (`Authorization`)
 * and any credentials mode. Same semantics as the WHATWG `EventSource` (`Accept:
 * text/event-stream`, `Last-Event-ID` on every request that resumes, `retry:` honoured, a clean
 * end reconnects), plus what the native one lacks: a non-200 answer is retried with backoff
 * instead of ending the stream for good; only 204 and 401/403 stop it.
 * @module
 */
import { verdictOf } from './answer.js'
import { onBackOnline } from './back-online.js'
import { Backoff } from './backoff.js'
import { ConnectionFailedError } from './errors.js'
import { readEventStream } from './event-stream.js'
import type { Link, LinkOptions, LinkSink } from './link.js'
import { reconnectTimer } from './reconnect-timer.js'
import type { FetchLike } from './types.js'

/** How one attempt ended, when the link is to try again. */
type Ending = 'ended' | 'failed'

/** Opens the fetch link; `options.fetch` is set (connect checks, and defaults it to `globalThis.fetch`). */
export function openFetchLink(options: LinkOptions, sink: LinkSink): Link {
  const request = options.fetch as FetchLike
  const backoff = new Backoff(options.backoffMs, options.maxBackoffMs)
  let retryMs: number | undefined
  let controller: AbortController | undefined
  let closed = false

  const requestInit = async (signal: AbortSignal): Promise<RequestInit> => {
    const given = typeof options.headers === 'function' ? await options.headers() : options.headers
    const headers = new Headers(given)
    headers.set('Accept', 'text/event-stream')
    const lastEventId = sink.lastEventId()
    if (lastEventId) headers.set('Last-Event-ID', lastEventId)
    else headers.delete('Last-Event-ID')
    return { headers, credentials: options.withCredentials ? 'include' : 'same-origin', cache: 'no-store', signal }
  }

  /** One request and, if it opens, its body; resolves to how it ended unless the link stops. */
  const attempt = async (signal: AbortSignal): Promise<Ending | undefined> => {
    let init: RequestInit
    try {
      init = await requestInit(signal)
    } catch (cause) {
      sink.failed(new ConnectionFailedError(undefined, 'could not build the request headers', { cause }))
      return 'failed'
    }
    let response: Response
    try {
      response = await request(options.url, init)
    } catch {
      return 'failed'
    }
    const contentType = response.headers.get('content-type')
    const { stop, error } = verdictOf(response.status, contentType)
    if (stop || error) {
      void response.body?.cancel().catch(() => {})
      if (stop) {
        sink.stopped(error)
        return undefined
      }
      sink.failed(error as ConnectionFailedError)
      return 'failed'
    }
    backoff.reset()
    try {
      await readEventStream(response.body as ReadableStream<Uint8Array>, {
        frame: (frame) => {
          if (signal.aborted) return
          try {
            sink.frame(frame)
          } catch (error) {
            // A handler threw: report it as the browser does for EventSource listeners, without breaking the stream.
            queueMicrotask(() => {
              throw error
            })
          }
        },
        retry: (ms) => {
          retryMs = ms
        },
      })
      return 'ended'
    } catch {
      return 'failed'
    }
  }

  const run = async (): Promise<void> => {
    const current = new AbortController()
    controller = current
    const ending = await attempt(current.signal)
    if (closed || controller !== current || ending === undefined) return
    sink.reconnecting()
    retry.later(ending === 'ended' ? backoff.afterEnd(retryMs) : backoff.afterFailure(retryMs))
  }

  const retry = reconnectTimer(() => void run())
  /** Back online: reconnect now if waiting to. */
  const stopListening = onBackOnline(() => {
    if (!closed) retry.now()
  })

  void run()
  return {
    listen() {},
    close() {
      closed = true
      stopListening()
      retry.cancel()
      controller?.abort()
    },
  }
}
