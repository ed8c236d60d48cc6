/**
 * SSE as a web `Response` (Next.js route handlers, Hono, Bun, Deno): the body is a pull-driven
 * `ReadableStream`, so a consumer that stops reading stops the connection's writes.
 *
 * The web server owns the connection: when a stream ends (`broker.close()`, `maxStreamMs`), its
 * keep-alive socket stays open unless the server closes it. On shutdown the server should stop
 * accepting and drop connections as they go idle (README, "Graceful shutdown"); a browser that
 * still reconnects over one gets the "retry later" answer with `Connection: close`, and comes back
 * on a new connection.
 * @module
 */
import type { ByteSink } from '../sink.js'
import { refusalHeaders, retryLaterHeaders, sseHeaders } from './headers.js'
import type { SseStream, StreamStart } from './stream-start.js'

/** Enqueues a stream's bytes into a stream controller. */
class WebSink implements ByteSink {
  private readonly controller: ReadableStreamDefaultController<Uint8Array>
  private readonly done: () => void

  constructor(controller: ReadableStreamDefaultController<Uint8Array>, done: () => void) {
    this.controller = controller
    this.done = done
  }

  /** Enqueues bytes; false once the reader has what it asked for (it pulls again for more). */
  write(bytes: Uint8Array): boolean {
    try {
      this.controller.enqueue(bytes)
    } catch {
      return false // the stream was cancelled meanwhile
    }
    return (this.controller.desiredSize ?? 0) > 0
  }

  end(): void {
    this.done()
    try {
      this.controller.close()
    } catch {
      // already closed or errored by the consumer
    }
  }
}

/**
 * Renders `start` as a `Response`. `Connection` is left to the web server (HTTP/2 forbids it),
 * except `Connection: close` on a "retry later" answer: servers that write the `Response` onto a
 * Node HTTP/1.1 socket (Next.js, `@hono/node-server`) then close that connection after it, and
 * HTTP/2 servers drop the header (Node's compatibility layer warns once per process).
 */
export function toWebResponse(request: Request, start: StreamStart): Response {
  if (start.kind === 'refuse') {
    return new Response(start.body, {
      status: start.status,
      headers: refusalHeaders(),
    })
  }
  if (start.kind === 'retry-later') {
    return new Response(start.body, { status: 200, headers: retryLaterHeaders(true) })
  }
  let stream: SseStream | undefined
  const abort = () => stream?.cancel()
  const forget = () => request.signal.removeEventListener('abort', abort)
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stream = start.open(new WebSink(controller, forget))
      },
      pull() {
        stream?.drained()
      },
      cancel() {
        stream?.cancel()
      },
    },
    { highWaterMark: 0 },
  )
  if (request.signal.aborted) abort()
  else request.signal.addEventListener('abort', abort, { once: true })
  return new Response(body, { status: 200, headers: sseHeaders(false) })
}
