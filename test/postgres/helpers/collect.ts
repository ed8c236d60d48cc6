/** Consumes a `broker.subscribe()` iterator in the background, recording what arrives. */
import type { Broker, StoredEvent } from '../../../src/index.js'

/** A background subscription and what it received. */
export interface Collector {
  /** Every event received, in order. */
  readonly events: StoredEvent[]
  /** Resolves once registered (`subscription.ready`). */
  readonly ready: Promise<void>
  /** Resolves once `predicate` holds; rejects on timeout or if the iteration failed or ended. */
  until(predicate: (events: StoredEvent[]) => boolean, what: string, timeoutMs?: number): Promise<void>
  /** The payloads received so far. */
  payloads<T = Record<string, unknown>>(): T[]
  /** Ends the subscription and waits for the loop to finish. */
  stop(): Promise<void>
  /** Why the iteration ended with an error, if it did. */
  readonly error: unknown
}

/** Subscribes to `topic` (optionally after an id) and records events until stopped. */
export function collect(broker: Broker, topic: string, options: { after?: string } = {}): Collector {
  const abort = new AbortController()
  const subscription = broker.subscribe(topic, { after: options.after, signal: abort.signal })
  const events: StoredEvent[] = []
  const waiters = new Set<() => void>()
  let ended = false
  let failure: unknown
  const notify = () => {
    for (const waiter of [...waiters]) waiter()
  }
  const loop = (async () => {
    try {
      for await (const event of subscription) {
        events.push(event)
        notify()
      }
    } catch (error) {
      failure = error
    } finally {
      ended = true
      notify()
    }
  })()
  return {
    events,
    ready: subscription.ready,
    get error() {
      return failure
    },
    payloads: <T>() => events.map((event) => event.payload as T),
    until(predicate, what, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const finish = (error?: Error) => {
          clearTimeout(timer)
          waiters.delete(check)
          if (error) reject(error)
          else resolve()
        }
        const check = () => {
          if (predicate(events)) return finish()
          if (ended) finish(new Error(`subscription of ${topic} ended (${String(failure)}) before ${what}`))
        }
        const timer = setTimeout(
          () => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${events.length} events`)),
          timeoutMs,
        )
        waiters.add(check)
        check()
      })
    },
    async stop() {
      abort.abort()
      await loop
    },
  }
}
