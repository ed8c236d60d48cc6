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
