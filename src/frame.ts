/**
 * SSE framing: the only place that knows the SSE bytes on the wire. Each event is serialised
 * once, and the same bytes go to every stream (`batch.ts`); a stream over several topics adds its
 * own `id:` line (`cursor.ts`).
 * @module
 */

import type { ResetReason } from './errors.js'
import type { EventRecord } from './event.js'

const encoder = new TextEncoder()

/** The `data:` line's JSON for a record that passed the screen (`screen.ts`): `{id, type, topic, payload, createdAt}`, one line. */
export function eventJson(record: EventRecord): string {
  return `{"id":${JSON.stringify(record.id)},"type":${JSON.stringify(record.type)},"topic":${JSON.stringify(record.topic)},"payload":${record.data},"createdAt":${JSON.stringify(record.createdAt)}}`
}

/** An event's `event:` and `data:` lines, shared by every stream; a stream adds its `id:` line and the blank line. */
export function eventBody(record: EventRecord): string {
  return `event: ${record.type}\ndata: ${eventJson(record)}\n`
}

/** The complete SSE frame of one stored event on a one-topic stream: `id` (the event's), `event`, `data` and the blank line. */
export function eventFrame(record: EventRecord): string {
  return `id: ${record.id}\n${eventBody(record)}\n`
}

/** The `id:` line and blank line that end an event of a stream over several topics. */
export function idTail(streamId: string): string {
  return `id: ${streamId}\n\n`
}

/** Encodes frame text as UTF-8 bytes. */
export function encodeFrames(text: string): Uint8Array {
  return encoder.encode(text)
}

/** `retry: ms`: how long the browser waits before reconnecting. */
export function retryFrame(retryMs: number): string {
  return `retry: ${Math.max(0, Math.round(retryMs))}\n\n`
}

/** `event: connected`, sent once the stream is registered; its `id` is the stream's start position. */
export function connectedFrame(streamId: string): string {
  return `id: ${streamId}\nevent: connected\ndata: {}\n\n`
}

/** `event: reset`: `topic` cannot resume from the requested position; it continues live from its head, which `streamId` holds. */
export function resetFrame(streamId: string, reason: ResetReason, topic: string): string {
  return `id: ${streamId}\nevent: reset\ndata: ${JSON.stringify({ reason, topic })}\n\n`
}

/** The heartbeat comment that keeps proxies from closing an idle stream. */
export const HEARTBEAT_FRAME: Uint8Array = encoder.encode(': heartbeat\n\n')

/** The last frame of a stream the server ends: a `retry:` hint, spread out on shutdown so browsers do not return all at once. */
export function farewellFrame(shutdown: boolean, retryMs: number): Uint8Array {
  return encoder.encode(retryFrame(shutdown ? retryMs * (1 + Math.random()) : retryMs))
}
