/**
 * How one resumable stream lies in the store: a topic of its own (`<keyPrefix>:<streamId>`) holding,
 * in order, a `start` marker, the stream's text as `chunk` events, `alive` heartbeats while the
 * producer waits, and a terminal marker (`done`, `failed` or `abandoned`). The first `start` of
 * a topic wins; the first terminal marker ends the stream; nothing after it counts.
 * @module
 */
import { assertTopic } from '../event.js'
import { formatEventId, parseEventId } from '../event-id.js'

/** The event types of a stream's topic. */
export const MARKER = {
  /** The first event of the topic: `{ producer }`, a random token of the producer that won the start. */
  start: 'start',
  /** A piece of the stream's text: `{ index, text }`, indexes 0, 1, 2... (a retried append may repeat one). */
  chunk: 'chunk',
  /** The producer is alive but has produced nothing for a while: `{}`. */
  alive: 'alive',
  /** The source stream ended normally: `{}`. */
  done: 'done',
  /** The source stream errored: `{ message }`. */
  failed: 'failed',
  /** A resumer heard nothing for `producerTimeoutMs` and ended the stream: `{ silentMs }`. */
  abandoned: 'abandoned',
} as const

/** Markers after which nothing more belongs to the stream. */
export const TERMINAL: ReadonlySet<string> = new Set([MARKER.done, MARKER.failed, MARKER.abandoned])

/** The payload of a `chunk` event. */
export interface ChunkPayload {
  /** Position of the piece in the stream, from 0. */
  index: number
  /** The text. */
  text: string
}

/** The payload of a `start` event. */
export interface StartPayload {
  /** Random token of the producer that claimed the stream (for whoever reads the table; the claim itself is decided by event id). */
  producer: string
}

/** The topic of a stream; throws `InvalidTopicError` when the id makes it unusable (empty, CR/LF/NUL, too long). */
export function topicOf(keyPrefix: string, streamId: string): string {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('streamId must be a non-empty string')
  const topic = `${keyPrefix}:${streamId}`
  assertTopic(topic)
  return topic
}

/** An `epoch.seq` id split, or a clear error for a store whose ids have another form. */
function parseStoreId(id: string): { epoch: string; seq: number } {
  const parsed = parseEventId(id)
  if (!parsed) {
    throw new TypeError(
      `durable-sse/ai needs a store with epoch.seq ids (memoryStore, sqliteStore, postgresStore); got ${JSON.stringify(id.slice(0, 40))}`,
    )
  }
  return parsed
}

/** The id before every event of every topic of the store that issued `id` (`epoch.0`). */
export function startIdOf(id: string): string {
  return formatEventId(parseStoreId(id).epoch, 0)
}

/** The id strictly before `id` in its topic's order, so that reading after it yields the event `id` first. */
export function idBefore(id: string): string {
  const { epoch, seq } = parseStoreId(id)
  return formatEventId(epoch, seq - 1)
}
