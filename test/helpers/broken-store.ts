/** A real store with a fault put in: for tests of what the broker does when a store misbehaves. */
import { CannotResumeError, type EventStore } from '../../src/index.js'

/** `store`, except that `readAfter` throws a `TypeError` (synchronously, like a bug would) while `failing()`; counts the calls that threw. */
export function withBrokenReads(store: EventStore, failing: () => boolean): { store: EventStore; thrown: () => number } {
  let thrown = 0
  const broken = new Proxy(store, {
    get(target, property) {
      if (property === 'readAfter') {
        return (...args: Parameters<EventStore['readAfter']>) => {
          if (!failing()) return target.readAfter(...args)
          thrown++
          throw new TypeError("Cannot read properties of undefined (reading 'rows')")
        }
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { store: broken, thrown: () => thrown }
}

/**
 * `store`, except that `readAfter` rejects with `CannotResumeError` (reason `'foreign'`, naming each
 * one) when it is asked for a topic in `ended`: as the Postgres store does for a cursor of an epoch
 * a failover ended.
 */
export function withEndedTopics(store: EventStore, ended: ReadonlySet<string>): EventStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'readAfter') {
        return async (...[cursors, limit]: Parameters<EventStore['readAfter']>) => {
          const resets = cursors
            .filter(({ topic }) => ended.has(topic))
            .map(({ topic }) => ({ topic, reason: 'foreign' as const }))
          const [first] = resets
          if (first === undefined) return target.readAfter(cursors, limit)
          throw new CannotResumeError(
            'foreign',
            cursors.find(({ topic }) => topic === first.topic)?.after ?? '',
            first.topic,
            resets,
          )
        }
      }
      const value = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}
