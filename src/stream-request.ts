/**
 * What a stream asks for, validated before anything starts (a 400 or a typed error on failure):
 * its topics (one, or a list: folded, sorted, each validated) and the position it resumes after
 * (an event id, or a multi-topic cursor).
 * @module
 */
import { decodeCursor, topicHash } from './cursor.js'
import { InvalidEventIdError, InvalidTopicError } from './errors.js'
import { assertTopic } from './event.js'
import type { EventStore } from './store.js'

/** Longest event id accepted (the conformance kit's bound). */
const MAX_ID_LENGTH = 200

/** Limits on what one stream may ask for. */
export interface StreamRequestLimits {
  /** Most topics in one stream. */
  maxTopicsPerStream: number
  /** Longest topic, in characters. */
  maxTopicLength: number
}

/**
 * The topics of a stream: one topic, or a list of 1 to `maxTopicsPerStream` (duplicates folded),
 * sorted; throws {@link InvalidTopicError} when one is bad or the list is empty or too long.
 */
export function topicsOf(input: string | readonly string[], limits: StreamRequestLimits): string[] {
  if (!Array.isArray(input)) {
    assertTopic(input, limits.maxTopicLength)
    return [input as string]
  }
  if (input.length === 0) throw new InvalidTopicError('topics must hold at least one topic')
  for (const topic of input) assertTopic(topic, limits.maxTopicLength)
  const topics = [...new Set(input as readonly string[])].sort()
  if (topics.length > limits.maxTopicsPerStream) {
    throw new InvalidTopicError(`a stream may have at most ${limits.maxTopicsPerStream} topics, got ${topics.length}`)
  }
  const named = new Map<string, string>()
  for (const topic of topics) {
    const hash = topicHash(topic)
    const other = named.get(hash)
    if (other !== undefined) {
      throw new InvalidTopicError(
        `topics ${JSON.stringify(other)} and ${JSON.stringify(topic)} cannot share a stream (same cursor hash)`,
      )
    }
    named.set(hash, topic)
  }
  return topics
}

/** Throws {@link InvalidEventIdError} unless `id` is an id `store` could have issued. */
function assertEventId(id: string, store: EventStore): void {
  if (id.length === 0 || id.length > MAX_ID_LENGTH || !store.isValidId(id)) {
    throw new InvalidEventIdError(`malformed event id ${JSON.stringify(id.slice(0, 40))}`)
  }
}

/**
 * The event id a stream over `topics` resumes after in each topic, from the client's position: an
 * event id (a one-topic stream's) or a cursor (a multi-topic stream's). Topics a cursor does not
 * name are absent (they start at their head); a cursor's topics the stream no longer has are
 * dropped. A plain event id on a stream over several topics (a one-topic stream's id after the
 * stream gained topics) says where the client was in one of them but not which: every topic maps
 * to `null`, so each resets rather than one silently skipping what the client missed. Throws
 * {@link InvalidEventIdError} when it is malformed.
 */
export function positionsOf(
  position: string | undefined,
  topics: readonly string[],
  store: EventStore,
): Map<string, string | null> {
  const positions = new Map<string, string | null>()
  if (position === undefined) return positions
  const ids = decodeCursor(position)
  if (ids !== undefined) {
    for (const id of ids.values()) assertEventId(id, store)
    for (const topic of topics) {
      const id = ids.get(topicHash(topic))
      if (id !== undefined) positions.set(topic, id)
    }
    return positions
  }
  assertEventId(position, store) // not a cursor (a store's own id may start with its mark): an event id
  for (const topic of topics) positions.set(topic, topics.length === 1 ? position : null)
  return positions
}
