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
import type { Batch } from '../batch.js'
import type { Connection } from '../connection.js'
import { encodeFrames, farewellFrame, HEARTBEAT_FRAME, retryFrame } from '../frame.js'
import type { EndReason, Sink } from '../sink.js'
import { refusalHeaders, retryLaterHeaders, sseHeaders } from './headers.js'
import type { StreamStart } from './stream-start.js'

/** Enqueues a connection's batches into a stream controller, one per read. */
class WebSink implements Sink {
  private readonly connection: Connection
  private readonly controller: ReadableStreamDefaultController<Uint8Array>
  private readonly retryMs: number
  private readonly done: () => void

  constructor(
    connection: Connection,
    controller: ReadableStreamDefaultController<Uint8Array>,
    retryMs: number,
    done: () => void,
  ) {
    this.connection = connection
    this.controller = controller
    this.retryMs = retryMs
    this.done = done
  }

  write(batch: Batch): boolean {
    return this.enqueue(this.connection.framesOf(batch))
  }

  heartbeat(): void {
    this.enqueue(HEARTBEAT_FRAME)
  }

  end(reason: EndReason): void {
    this.done()
    if (reason !== 'closed') this.enqueue(farewellFrame(reason === 'shutdown', this.retryMs))
    try {
      this.controller.close()
    } catch {
      // already closed or errored by the consumer
    }
  }

  /** Enqueues bytes; false once the reader has what it asked for (it pulls again for more). */
  enqueue(bytes: Uint8Array): boolean {
    try {
      this.controller.enqueue(bytes)
    } catch {
      return false // the stream was cancelled meanwhile
    }
    return (this.controller.desiredSize ?? 0) > 0
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
    return new Response(retryFrame(start.retryMs), { status: 200, headers: retryLaterHeaders(true) })
  }
  const { connection, prelude, retryMs } = start
  const abort = () => connection.end('closed')
  const forget = () => request.signal.removeEventListener('abort', abort)
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const sink = new WebSink(connection, controller, retryMs, forget)
        connection.bind(sink, !sink.enqueue(encodeFrames(prelude)))
      },
      pull() {
        connection.drained()
      },
      cancel() {
        connection.end('closed')
      },
    },
    { highWaterMark: 0 },
  )
  if (request.signal.aborted) abort()
  else request.signal.addEventListener('abort', abort, { once: true })
  return new Response(body, { status: 200, headers: sseHeaders(false) })
}
