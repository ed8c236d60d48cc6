/** A store whose reads finish after a scripted number of event-loop turns, so reads and polls interleave in property tests. */
import type { EventStore } from '../../src/index.js'

/** `store`, with `readAfter` delayed by `turns[call % turns.length]` event-loop turns per call. */
export function withReadLatency(store: EventStore, turns: number[]): EventStore {
  let call = 0
  const readAfter = store.readAfter.bind(store)
  store.readAfter = async (cursors, limit) => {
    const wait = turns[call++ % turns.length] ?? 0
    for (let i = 0; i < wait; i++) await new Promise((resolve) => setImmediate(resolve))
    return readAfter(cursors, limit)
  }
  return store
}
