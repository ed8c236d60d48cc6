/**
 * Per-event filters: `filter: (event, context) => boolean` beside `authorize` decides, for each
 * event of a connection's topics, whether that connection gets it. A rejected event is left out,
 * and the connection's position still moves past it: a stream resumed after it neither replays it
 * nor gets a reset. It runs on the fan-out path, once per event per connection, over events parsed
 * once per batch; a batch whose events all pass is written as it is (its frames shared with every
 * other stream), and streams whose filters keep the same events share one smaller batch.
 * @module
 */
import type { AuthorizeContext } from './authorize.js'
import type { Batch } from './batch.js'
import type { StoredEvent } from './event.js'

/**
 * Decides whether a connection gets `event` (`false` leaves it out); `context` is what
 * `authorize` is told. Must be synchronous and quick; it must not change `event`, which every
 * connection's filter shares. One that throws leaves the event out and is reported to `onError`.
 */
export type EventFilter<Event = StoredEvent> = (event: Event, context: AuthorizeContext) => boolean

/** A connection's filter with its context: what batches look like after it. */
export class BoundFilter {
  private readonly filter: EventFilter
  private readonly context: AuthorizeContext
  private readonly onError: (error: unknown) => void

  constructor(filter: EventFilter, context: AuthorizeContext, onError: (error: unknown) => void) {
    if (typeof filter !== 'function') throw new TypeError('durable-sse: filter must be a function')
    this.filter = filter
    this.context = context
    this.onError = onError
  }

  /** `batch` itself when every event passes, else the subset of those that do (ending where `batch` ends). */
  apply(batch: Batch): Batch {
    const events = batch.events()
    const { filter, context } = this
    let mask: string | undefined
    for (let i = 0; i < events.length; i++) {
      let kept: unknown
      try {
        kept = filter(events[i] as StoredEvent, context)
      } catch (error) {
        this.onError(error)
        kept = false
      }
      if (kept) {
        if (mask !== undefined) mask += '1'
      } else mask = `${mask ?? '1'.repeat(i)}0`
    }
    return mask === undefined ? batch : batch.subset(mask)
  }
}
