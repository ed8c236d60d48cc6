/**
 * Response headers of an SSE stream.
 * @module
 */

/** Response headers of an SSE stream; `Connection` only on HTTP/1.x (HTTP/2 forbids it). */
export function sseHeaders(http1: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  }
  if (http1) headers.Connection = 'keep-alive'
  return headers
}

/** Response headers of a refusal before any stream (400, 401, 403, 500): a short text body, never cached. */
export function refusalHeaders(): Record<string, string> {
  return { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }
}

/**
 * Response headers of a "retry later" answer (an SSE response that only says `retry:`); with
 * `close`, `Connection: close`, so its HTTP/1.x connection cannot carry the reconnect back here.
 */
export function retryLaterHeaders(close: boolean): Record<string, string> {
  const headers = sseHeaders(false)
  if (close) headers.Connection = 'close'
  return headers
}
