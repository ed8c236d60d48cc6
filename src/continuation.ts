/**
 * Which events of a message continue a topic's tail: the rule that makes a bus safe. An event is
 * taken only when it is the next of its topic (`seq == position + 1`, same epoch); what was taken
 * before is dropped; anything else (a gap, another epoch, ids without positions) is read from the
 * store instead, so a lost, late, duplicated or reordered message costs latency, never an event or
 * an order.
 * @module
 */
import type { EventRecord } from './event.js'
import type { EventStore } from './store.js'

/** What {@link continuation} found. */
export interface Continuation {
  /** The events right after the cursor, consecutive, oldest first (empty when none). */
  next: readonly EventRecord[]
  /** Whether the message holds events it could not place after the cursor: read the store. */
  gap: boolean
}

/**
 * The part of `records` (one topic's events, oldest first) that continues the tail at `cursor`,
 * and whether anything was left that only a read of the store can place.
 */
export function continuation(
  positionOf: EventStore['positionOf'],
  cursor: string,
  records: readonly EventRecord[],
): Continuation {
  const at = positionOf?.(cursor)
  if (!positionOf || !at) return { next: [], gap: true }
  let seq = at.seq
  let start = -1
  const upTo = (end: number): readonly EventRecord[] => (start < 0 ? [] : records.slice(start, end))
  for (const [i, record] of records.entries()) {
    const position = positionOf(record.id)
    if (position?.epoch !== at.epoch) return { next: upTo(i), gap: true }
    if (start < 0 && position.seq <= at.seq) continue // delivered already
    if (position.seq !== seq + 1) return { next: upTo(i), gap: true }
    if (start < 0) start = i
    seq++
  }
  return { next: upTo(records.length), gap: false }
}
