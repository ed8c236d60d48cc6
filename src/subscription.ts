/**
 * `broker.subscribe()`: a connection read as an async iterator of events. The consumer pulls, and
 * one batch is handed over per pull, so a consumer that stops iterating stops the connection's
 * writes like a full socket would.
 *
 * How the iteration ends says why. It returns (`done`) when the consumer ends it: a `break` or
 * `return()`, or its `signal` aborted. When the broker closes, the consumer first gets the events
 * already handed over, then the next pull throws {@link BrokerClosedError}: the stream was cut, not
 * finished, so resume elsewhere with `lastEventId` as `after` (to end quietly at shutdown instead,
 * abort the signal before `broker.close()`). A position that can no longer be resumed from throws
 * `CannotResumeError`.
 * @module
 */
import type { Batch } from './batch.js'
import type { StartedConnection } from './connection-start.js'
import { StreamCursor } from './cursor.js'
import { BrokerClosedError, SlowConsumerError } from './errors.js'
import { type StoredEvent, toStoredEvent } from './event.js'
import type { EventFilter } from './event-filter.js'
import type { BatchSink } from './sink.js'

/** Options of `broker.subscribe()`. */
export interface SubscribeOptions<Event = StoredEvent> {
  /** Resume strictly after this position (an event id, or a multi-topic cursor); without it, start from each topic's head. */
  after?: string
  /** Ends the iteration when aborted: it returns normally, even while the broker closes. */
  signal?: AbortSignal
  /** Per-event filter (its context: the topics and `after`): an event it rejects is not yielded, and the position moves past it. */
  filter?: EventFilter<Event>
}

/**
 * The async iterator `broker.subscribe()` returns, with a promise that tells when it is registered.
 * It returns when the consumer ends it (`break`, `return()`, `signal`); when the broker closes it
 * throws `BrokerClosedError` after the events already handed over.
 */
export interface Subscription<Event> extends AsyncIterableIterator<Event> {
  /** Resolves once registered: every event committed after that is delivered. Rejects like the iterator would. */
  readonly ready: Promise<void>
  /**
   * The position after the last event yielded (before the first, the start position; `undefined`
   * until ready): pass it as `after` to resume exactly there. With one topic it is that event's id;
   * with several, a cursor over all of them.
   */
  readonly lastEventId: string | undefined
}

/** The iterator's record sink: batches written to it, and a way to wait for the next one. */
class IteratorSink implements BatchSink {
  readonly waiting: Batch[] = []
  ended = false
  private wake: (() => void) | undefined

  write(batch: Batch): boolean {
    this.waiting.push(batch)
    this.notify()
    return false
  }

  heartbeat(): void {}

  end(): void {
    this.ended = true
    this.notify()
  }

  /** Resolves at the next write or end. */
  next(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve))
  }

  private notify(): void {
    const resolve = this.wake
    this.wake = undefined
    resolve?.()
  }
}

/** Makes the iterator over the connection `start` makes (started at once, so `ready` means registered). */
export function createSubscription<Event extends StoredEvent>(
  start: () => Promise<StartedConnection>,
  signal: AbortSignal | undefined,
): Subscription<Event> {
  /** Where the consumer is: moved past each event as it is yielded. */
  let position: StreamCursor | undefined
  let abort: (() => void) | undefined
  const started = start().then((opened) => {
    position = new StreamCursor(opened.connection.positions, opened.starts)
    // Wired at once, so that aborting frees the connection even if the iterator is never read.
    abort = () => opened.connection.end('closed')
    if (signal?.aborted) abort()
    else signal?.addEventListener('abort', abort, { once: true })
    return opened
  })
  const ready = started.then(() => undefined)
  // Surfaced through `ready` and the iterator; never an unhandled rejection if one is unused.
  ready.catch(() => {})

  const iterate = async function* (): AsyncGenerator<Event> {
    const { connection } = await started
    const sink = new IteratorSink()
    connection.bind(sink)
    try {
      for (;;) {
        const batch = sink.waiting.shift()
        if (batch) {
          const cursor = position as StreamCursor
          const index = cursor.indexOf(batch.topic)
          for (const record of batch.records) {
            const event = toStoredEvent(record) as Event
            cursor.set(index, record.id)
            yield event
          }
          continue
        }
        if (sink.ended) break
        connection.drained()
        if (sink.waiting.length === 0 && !sink.ended) await sink.next()
      }
      if (signal?.aborted) return
      const reason = connection.endReason
      if (reason === 'reset' || reason === 'error') throw connection.endError
      if (reason === 'shutdown') throw new BrokerClosedError()
      if (reason === 'slow')
        throw new SlowConsumerError(connection.positions.length > 1 ? undefined : connection.positions[0]?.topic)
    } finally {
      signal?.removeEventListener('abort', abort as () => void)
      connection.end('closed')
    }
  }

  return Object.defineProperties(iterate(), {
    ready: { value: ready },
    lastEventId: { get: () => position?.text() },
  }) as Subscription<Event>
}
