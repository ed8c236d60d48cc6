/**
 * SSE framing: the only place that knows the SSE bytes on the wire. Each event is serialised
 * once, and the same bytes go to every subscriber.
 * @module
 */

import type { ResetReason } from '../errors.js'
import type { EventRecord } from '../event.js'

const encoder = new TextEncoder()

/** The `data:` line's JSON for a record that passed the screen (`screen.ts`): `{id, type, topic, payload, createdAt}`, one line. */
export function eventJson(record: EventRecord): string {
  return `{"id":${JSON.stringify(record.id)},"type":${JSON.stringify(record.type)},"topic":${JSON.stringify(record.topic)},"payload":${record.data},"createdAt":${JSON.stringify(record.createdAt)}}`
}

/** The complete SSE frame of one stored event: `id`, `event`, `data` and the blank line. */
export function eventFrame(record: EventRecord): string {
  return `id: ${record.id}\nevent: ${record.type}\ndata: ${eventJson(record)}\n\n`
}

/** Encodes frame text as UTF-8 bytes. */
export function encodeFrames(text: string): Uint8Array {
  return encoder.encode(text)
}

/** `retry: ms`: how long the browser waits before reconnecting. */
export function retryFrame(retryMs: number): string {
  return `retry: ${Math.max(0, Math.round(retryMs))}\n\n`
}

/** `event: connected`, sent once the subscriber is registered; its `id` is the stream's start position. */
export function connectedFrame(startId: string): string {
  return `id: ${startId}\nevent: connected\ndata: {}\n\n`
}

/** `event: reset`: the requested id cannot be resumed from; the stream continues live from `headId`. */
export function resetFrame(headId: string, reason: ResetReason): string {
  return `id: ${headId}\nevent: reset\ndata: ${JSON.stringify({ reason })}\n\n`
}

/** The heartbeat comment that keeps proxies from closing an idle stream. */
export const HEARTBEAT_FRAME: Uint8Array = encoder.encode(': heartbeat\n\n')

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

/** The last frame of a stream the server ends: a `retry:` hint, spread out on shutdown so browsers do not return all at once. */
export function farewellFrame(shutdown: boolean, retryMs: number): Uint8Array {
  return encoder.encode(retryFrame(shutdown ? retryMs * (1 + Math.random()) : retryMs))
}
