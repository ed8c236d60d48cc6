/**
 * A subscriber as an async iterable of batches, for `broker.subscribe()`: the consumer pulls, and
 * one batch is handed over per pull, so a consumer that stops iterating stops the subscriber's
 * writes like a full socket would.
 * @module
 */
import type { Batch } from './sse/batch.js'
import type { Subscriber } from './subscriber.js'

/** Makes a subscriber an async iterable of batches for `broker.subscribe()`: one batch is handed over per pull. */
export function batchesOf(subscriber: Subscriber): AsyncIterable<Batch> {
  const waiting: Batch[] = []
  let wake: (() => void) | undefined
  let ended = false
  const notify = () => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  subscriber.attach({
    write(batch) {
      waiting.push(batch)
      notify()
      return false
    },
    heartbeat() {},
    end() {
      ended = true
      notify()
    },
  })
  return {
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const batch = waiting.shift()
        if (batch) {
          yield batch
          continue
        }
        if (ended) return
        subscriber.drained()
        if (waiting.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve))
      }
    },
  }
}
