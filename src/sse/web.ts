/**
 * SSE as a web `Response` (Next.js route handlers, Hono, Bun, Deno): the body is a pull-driven
 * `ReadableStream`, so a consumer that stops reading stops the subscriber's writes.
 * @module
 */
import { concatFrames, farewellFrame, HEARTBEAT_FRAME, retryFrame, sseHeaders } from './frame.js'
import type { StreamStart } from './stream-start.js'

/**
 * Renders `start` as a `Response`. `Connection` is left out: the web server sets it where
 * HTTP/1.1 allows, and HTTP/2 forbids it.
 */
export function toWebResponse(request: Request, start: StreamStart): Response {
  if (start.kind === 'refuse') {
    return new Response(start.body, {
      status: start.status,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
    })
  }
  const headers = sseHeaders(false)
  if (start.kind === 'retry-later')
    return new Response(retryFrame(start.retryMs) as Uint8Array<ArrayBuffer>, { status: 200, headers })
  const { subscriber, prelude, retryMs } = start
  const abort = () => subscriber.end('closed')
  if (request.signal.aborted) abort()
  else request.signal.addEventListener('abort', abort, { once: true })
  let opened = false
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!opened) {
          opened = true
          controller.enqueue(prelude)
          return
        }
        const items = await subscriber.next()
        if (items === null) {
          request.signal.removeEventListener('abort', abort)
          if (subscriber.endReason !== 'closed') controller.enqueue(farewellFrame(subscriber.endReason === 'shutdown', retryMs))
          controller.close()
        } else {
          controller.enqueue(items.length === 0 ? HEARTBEAT_FRAME : concatFrames(items.map((d) => d.frame)))
        }
      },
      cancel() {
        request.signal.removeEventListener('abort', abort)
        subscriber.end('closed')
      },
    },
    { highWaterMark: 0 },
  )
  return new Response(body, { status: 200, headers })
}
