/**
 * Starting a connection: where it starts in each of its topics (right after the client's position
 * when the store can resume from it, else at the topic's head with a reset: pruned, ahead,
 * foreign, the last also for a position that names no place in the topic; at the head for topics
 * the client names no position in), then opened among the broker's connections.
 * SSE streams and `broker.subscribe()` iterators start the same way.
 * @module
 */
import type { Connection } from './connection.js'
import type { Connections } from './connections.js'
import type { TopicReset } from './errors.js'
import type { BoundFilter } from './event-filter.js'
import type { EventStore } from './store.js'

/** A started connection. */
export interface StartedConnection {
  /** The connection, open and followed by the poller. */
  connection: Connection
  /** The id each topic starts after, in sorted topic order. */
  starts: string[]
  /** The topics that asked for a position the store cannot resume from; they start at their head. */
  resets: TopicReset[]
}

/**
 * Reads heads and resume checks (all topics at once) for a connection over `sortedTopics` asking
 * for `positions`, then opens it (unless `cancelled()` by then), with `filter` if given.
 */
export async function startConnection(
  store: EventStore,
  connections: Connections,
  sortedTopics: readonly string[],
  positions: ReadonlyMap<string, string | null>,
  cancelled: () => boolean,
  filter?: BoundFilter,
): Promise<StartedConnection | undefined> {
  const headOf = await store.heads(sortedTopics)
  const heads = sortedTopics.map((topic) => headOf.get(topic) as string)
  const resets: TopicReset[] = []
  const starts = await Promise.all(
    sortedTopics.map(async (topic, i) => {
      const asked = positions.get(topic)
      if (asked === undefined) return heads[i] as string
      if (asked === null) {
        resets.push({ topic, reason: 'foreign' })
        return heads[i] as string
      }
      const check = await store.checkResume(topic, asked)
      if (check.ok) return asked
      resets.push({ topic, reason: check.reason })
      return heads[i] as string
    }),
  )
  if (cancelled()) return undefined
  resets.sort((a, b) => (a.topic < b.topic ? -1 : 1))
  for (const { reason } of resets) connections.telemetry?.reset(reason)
  const connection = connections.add(sortedTopics, starts, heads, filter)
  // The positions hold the starts as the poller interned them (nothing moves them before a sink is bound).
  return { connection, starts: connection.positions.map((position) => position.lastId), resets }
}
