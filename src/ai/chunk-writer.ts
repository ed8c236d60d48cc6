/**
 * The producer's side of a stream's topic: events are appended in order, one `publish()` in flight
 * per stream (what arrives meanwhile goes into the next one, as one array), so concurrent streams
 * share appends through the broker's group commit and one slow commit never reorders a stream. A
 * failed append (the database briefly down) is retried, in order, for up to `retryForMs`; a chunk
 * whose append is retried after it did commit is repeated with the same index, which readers skip.
 * @module
 */
import type { Broker } from '../broker.js'
import { PublishFailedError } from '../errors.js'
import type { EventInput } from '../event.js'

/** Most events in one `publish()` call. */
const MAX_EVENTS_PER_APPEND = 500
/** First and largest pause between retries of a failed append, in ms. */
const RETRY_FIRST_MS = 50
const RETRY_MAX_MS = 2_000

/** Options of a {@link ChunkWriter}. */
export interface ChunkWriterOptions {
  /** How long to keep retrying a failing append before giving up, in ms. */
  retryForMs: number
  /** Where an append that is given up on is reported. */
  onError: (error: unknown) => void
}

/** Appends one stream's events in order through a broker. */
export class ChunkWriter {
  /** `performance.now()` of the last {@link add}. */
  lastAddAt = performance.now()
  private queue: EventInput[] = []
  private flushing: Promise<void> | undefined
  private gaveUp = false
  private readonly broker: Broker<any>
  private readonly topic: string
  private readonly options: ChunkWriterOptions

  constructor(broker: Broker<any>, topic: string, options: ChunkWriterOptions) {
    this.broker = broker
    this.topic = topic
    this.options = options
  }

  /** Events waiting to be appended. */
  get backlog(): number {
    return this.queue.length
  }

  /** Queues an event of the stream's topic; appended after every event queued before it. */
  add(type: string, payload: unknown): void {
    this.lastAddAt = performance.now()
    if (this.gaveUp) return
    this.queue.push({ topic: this.topic, type, payload })
    this.flushing ??= this.flush()
  }

  /** Resolves once every event queued so far is appended (or given up on). */
  async drained(): Promise<void> {
    while (this.flushing) await this.flushing
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, MAX_EVENTS_PER_APPEND)
        await this.append(batch)
        this.queue.splice(0, batch.length)
      }
    } catch (error) {
      this.gaveUp = true
      this.queue = []
      this.options.onError(error)
    } finally {
      this.flushing = undefined
    }
  }

  /** Appends `batch`, retrying a driver failure with backoff for up to `retryForMs`. */
  private async append(batch: EventInput[]): Promise<void> {
    const deadline = performance.now() + this.options.retryForMs
    for (let pause = RETRY_FIRST_MS; ; pause = Math.min(pause * 2, RETRY_MAX_MS)) {
      try {
        await this.broker.publish(batch)
        return
      } catch (error) {
        if (!(error instanceof PublishFailedError) || performance.now() + pause > deadline) throw error
        await new Promise((resolve) => setTimeout(resolve, pause))
      }
    }
  }
}
