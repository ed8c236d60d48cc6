/** A real store with a fault put in: for tests of what the broker does when a store misbehaves. */
import type { EventStore } from '../../src/index.js'

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
