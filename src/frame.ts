/**
 * SSE framing: the only place that makes the bytes on the wire. Each event's bytes are made once
 * per batch and shared by every stream (`batch.ts` keeps them): whole frames for one-topic
 * streams; for a stream over several topics, each event's `event:`/`data:` lines followed by an
 * `id:` line holding the stream's cursor (`cursor.ts` says what the cursor reads, this module
 * writes it).
 * @module
 */
import type { CursorAround } from './cursor.js'
import type { ResetReason } from './errors.js'
import type { EventRecord } from './event.js'

const encoder = new TextEncoder()

/** The `data:` line's JSON for a record that passed the screen (`screen.ts`): `{id, type, topic, payload, createdAt}`, one line. */
export function eventJson(record: EventRecord): string {
  return `{"id":${JSON.stringify(record.id)},"type":${JSON.stringify(record.type)},"topic":${JSON.stringify(record.topic)},"payload":${record.data},"createdAt":${JSON.stringify(record.createdAt)}}`
}

/** An event's `event:` and `data:` lines, shared by every stream; a stream over several topics adds its `id:` line after them. */
function eventBody(record: EventRecord): string {
  return `event: ${record.type}\ndata: ${eventJson(record)}\n`
}

/** The complete SSE frame of one stored event on a one-topic stream: `id` (the event's), `event`, `data` and the blank line. */
export function eventFrame(record: EventRecord): string {
  return `id: ${record.id}\n${eventBody(record)}\n`
}

/** The frame of one event on a stream over several topics, whose cursor after it is `streamId`. */
export function cursorEventFrame(record: EventRecord, streamId: string): string {
  return `${eventBody(record)}id: ${streamId}\n\n`
}

/** Encodes frame text as UTF-8 bytes. */
export function encodeFrames(text: string): Uint8Array {
  return encoder.encode(text)
}

/** The `event:`/`data:` bytes of the events of a batch, in one buffer, and a view of each event's. */
export interface EventBodies {
  /** Every event's bytes, in order. */
  readonly bytes: Uint8Array
  /** One view into `bytes` per event. */
  readonly views: readonly Uint8Array[]
}

/** The `event:`/`data:` bytes of `records`, encoded once for every stream over several topics. */
export function eventBodies(records: readonly EventRecord[]): EventBodies {
  const texts = records.map(eventBody)
  const bytes = encodeFrames(texts.join(''))
  const views: Uint8Array[] = new Array(texts.length)
  let start = 0
  for (let i = 0; i < texts.length; i++) {
    const end = start + Buffer.byteLength(texts[i] as string)
    views[i] = bytes.subarray(start, end)
    start = end
  }
  return { bytes, views }
}

/** The bytes of an `id:` line around one topic's id rest (see `StreamCursor.around`). */
export interface IdLine {
  /** The cursor text it was made from (`CursorAround.key`): equal keys make equal lines. */
  readonly key: string
  /** `id: ` and the cursor text before the rest. */
  readonly head: Uint8Array
  /** The cursor text after the rest, and the blank line that ends the event. */
  readonly tail: Uint8Array
}

/** The `id:` line bytes of a cursor that reads `around` around one topic's id rest (cursors are ASCII). */
export function idLine(around: CursorAround): IdLine {
  return {
    key: around.key,
    head: Buffer.from(`id: ${around.prefix}`, 'latin1'),
    tail: Buffer.from(`${around.suffix}\n\n`, 'latin1'),
  }
}

/** Writes ASCII `text` into `out` at `offset` (short texts: cheaper than a native call); returns the offset after it. */
function writeAscii(out: Uint8Array, offset: number, text: string): number {
  for (let k = 0; k < text.length; k++) out[offset++] = text.charCodeAt(k)
  return offset
}

/**
 * The frames of events on a stream over several topics, in one buffer: each event's body, then its
 * `id:` line with the event's id rest (`rests[i]`, ASCII, `restLength` bytes in all) inside `line`.
 */
export function cursorFrames(bodies: EventBodies, rests: readonly string[], restLength: number, line: IdLine): Uint8Array {
  const { head, tail } = line
  const out = Buffer.allocUnsafe(bodies.bytes.byteLength + restLength + rests.length * (head.length + tail.length))
  let offset = 0
  for (let i = 0; i < rests.length; i++) {
    const body = bodies.views[i] as Uint8Array
    out.set(body, offset)
    offset += body.byteLength
    out.set(head, offset)
    offset = writeAscii(out, offset + head.length, rests[i] as string)
    out.set(tail, offset)
    offset += tail.length
  }
  return out
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
