/**
 * The two shapes of stream the delivery suites run over: one topic, and several (the topic under
 * test plus others that also receive events). The assertions are the same per topic.
 */
import { decodeCursor, isCursor, StreamCursor, topicHash } from '../../src/cursor.js'

/** A shape of stream. */
export interface StreamShape {
  /** For test names. */
  name: string
  /** The topics of a stream whose topic under test is `topic` (that one first). */
  topics(topic: string): string[]
}

/** A one-topic stream, and a stream over four topics. */
export const streamShapes: StreamShape[] = [
  { name: 'a one-topic stream', topics: (topic) => [topic] },
  { name: 'a stream over 4 topics', topics: (topic) => [topic, `${topic}-x`, `${topic}-y`, `${topic}-z`] },
]

/** What `broker.handle()` / `broker.response()` take for `topics`: `{ topic }` for one (the 0.1 form), `{ topics }` for several. */
export function streamOf(topics: readonly string[]): { topic: string } | { topics: readonly string[] } {
  return topics.length === 1 ? { topic: topics[0] as string } : { topics }
}

/**
 * The stream position that resumes each of `topics` right after `ids[i]` (an event id, or the
 * topic's head): the event id itself for one topic, a cursor over all of them for several, as
 * the broker writes it on `id:` lines.
 */
export function positionAfter(topics: readonly string[], ids: readonly string[]): string {
  const order = topics.map((_, i) => i).sort((a, b) => ((topics[a] as string) < (topics[b] as string) ? -1 : 1))
  return new StreamCursor(
    order.map((i) => topics[i] as string),
    order.map((i) => ids[i] as string),
  ).text()
}

/**
 * The event id that a position (an `id:` line) of a stream over `topics` holds for `topic`: on a
 * one-topic stream, the position itself; on a stream over several, its cursor's entry for the
 * topic (`undefined` when the position is not a cursor).
 */
export function positionIn(streamId: string, topic: string, topics: readonly string[]): string | undefined {
  if (topics.length === 1) return streamId
  return isCursor(streamId) ? decodeCursor(streamId)?.get(topicHash(topic)) : undefined
}

/** Event ids grouped by topic, in order. */
export function idsByTopic(events: readonly { id: string; topic: string }[]): Record<string, string[]> {
  const result: Record<string, string[]> = {}
  for (const event of events) {
    result[event.topic] ??= []
    result[event.topic]?.push(event.id)
  }
  return result
}
