/**
 * One subscriber per SSE connection or `broker.subscribe()` iterator: its topic, its last
 * accepted id, a bounded queue and a sink to write to. Live while it keeps up: a batch the poller
 * fans out is written to the sink at once, the same bytes as every other subscriber's. When the
 * sink is full, batches wait in the queue; when the queue would overflow, the subscriber stops
 * taking live events and, once the sink drains, pages what it missed from the store, then rejoins
 * live.
 * @module
 */
import { CannotResumeError } from './errors.js'
import type { Batch } from './sse/batch.js'

/**
 * Why a subscriber ended: the client went away (`closed`), it fell behind with `onSlow:
 * 'disconnect'` (`slow`), the broker closed (`shutdown`), `maxStreamMs` passed (`expired`), a
 * re-check refused it (`unauthorized`), retention pruned events it had not read yet (`reset`),
 * or a catch-up read failed (`error`).
 */
export type EndReason = 'closed' | 'slow' | 'shutdown' | 'expired' | 'unauthorized' | 'reset' | 'error'

/** Where a subscriber's events go: an SSE response, a web stream, an async iterator. */
export interface Sink {
  /** Takes a batch; returns `false` when full (the sink calls {@link Subscriber.drained} once it can take more). */
  write(batch: Batch): boolean
  /** Writes a keep-alive, if the transport has one. */
  heartbeat(): void
  /** Ends the transport (after the last batch). */
  end(reason: EndReason): void
}

/** What subscribers need from their broker: tuning, catch-up reads, and where to report. One per broker, shared. */
export interface SubscriberHost {
  /** Most events held in the queue before a subscriber falls back to catching up. */
  readonly queueLimit: number
  /** Most events read per catch-up page. */
  readonly pageSize: number
  /** On overflow: page from the store (`'catch-up'`) or end the stream (`'disconnect'`). */
  readonly onSlow: 'catch-up' | 'disconnect'
  /**
   * Reads up to `limit` committed events of `topic` strictly after `after`, oldest first (screened:
   * `undefined` when there are none, a batch without records when all were corrupt); throws
   * {@link CannotResumeError} when events after `after` may have been pruned before the read.
   */
  read(topic: string, after: string, limit: number): Promise<Batch | undefined>
  /** The poller's position in `topic`: the id of the last event it fanned out. */
  cursor(topic: string): string | undefined
  /** Called once, when a subscriber ends (the broker unregisters it). */
  ended(subscriber: Subscriber): void
  /** Called when a catch-up read fails (the subscriber then ends with `'error'`). */
  failed(error: unknown): void
}

/** Receives a topic's events exactly once, in order, from its start position until it ends. */
export class Subscriber {
  /** The subscribed topic. */
  readonly topic: string
  /** Set once the subscriber has ended. */
  endReason: EndReason | undefined
  /** Events written to the sink so far. */
  delivered = 0
  /** Why events can no longer be delivered in order, when it ended with `'reset'`. */
  resetError: CannotResumeError | undefined

  private queue: Batch[] = []
  private queued = 0
  private sink: Sink | undefined
  private full = true
  private draining = false
  private lastId: string
  private live = false
  private reading = false
  private batchArrivedWhileReading = false
  private aheadOfPoller = false
  private readonly host: SubscriberHost

  constructor(topic: string, start: string, host: SubscriberHost) {
    this.topic = topic
    this.lastId = start
    this.host = host
  }

  /** Whether the subscriber is catching up from the store instead of taking live events. */
  get lagging(): boolean {
    return !this.live && this.endReason === undefined
  }

  /** Whether the subscriber has ended. */
  get ended(): boolean {
    return this.endReason !== undefined
  }

  /** Starts delivery once registered with the poller: live if already at its cursor, else catching up. */
  begin(): void {
    if (this.lastId === this.host.cursor(this.topic)) this.live = true
    else this.readMore()
  }

  /**
   * Connects the sink (after the transport wrote its first bytes) and writes what is waiting;
   * with `full`, waits for the sink's {@link Subscriber.drained} first.
   */
  attach(sink: Sink, full = false): void {
    this.sink = sink
    if (this.ended) this.finish()
    else if (!full) this.drained()
  }

  /** The sink can take more: write what is queued, then catch up if behind. */
  drained(): void {
    if (!this.sink || this.ended) return
    this.full = false
    if (this.draining) return // a sink calling back from inside write(): the loop below goes on
    this.draining = true
    try {
      while (!this.full && this.queue.length > 0) {
        const batch = this.queue.shift() as Batch
        this.queued -= batch.size
        this.deliver(batch)
      }
    } finally {
      this.draining = false
    }
    if (!this.full && !this.live) this.readMore()
  }

  /** Offers a batch the poller fanned out: consecutive events of the topic right after `previous`. */
  offer(batch: Batch, previous: string): void {
    if (this.ended) return
    if (this.live) {
      if (this.queued + batch.size <= this.host.queueLimit) this.accept(batch)
      else if (this.host.onSlow === 'disconnect') this.end('slow')
      else {
        this.live = false
        this.readMore()
      }
      return
    }
    this.aheadOfPoller = false
    if (this.reading) {
      this.batchArrivedWhileReading = true
      return
    }
    if (this.queued > 0) return // the next read, once the queue drains, covers this batch
    const from = this.lastId === previous ? 0 : batch.records.findIndex((record) => record.id === this.lastId) + 1
    if ((from > 0 || this.lastId === previous) && batch.size - from <= this.host.queueLimit) {
      this.live = true
      this.accept(batch.from(from))
      return
    }
    this.readMore()
  }

  /** Asks the sink for a keep-alive when nothing is waiting to be written. */
  heartbeat(): void {
    if (this.sink && !this.full && this.queue.length === 0 && !this.ended) this.sink.heartbeat()
  }

  /**
   * Ends the subscriber. A client that went away (`'closed'`) or fell behind (`'slow'`: it resumes
   * with `Last-Event-ID`) drops its queue; any other reason writes what is queued first, whether
   * or not the sink is full (memory stays bounded by the queue limit). Idempotent.
   */
  end(reason: EndReason): void {
    if (this.ended) return
    this.endReason = reason
    if (reason === 'closed' || reason === 'slow') {
      this.queue = []
      this.queued = 0
    }
    this.host.ended(this)
    this.finish()
  }

  private finish(): void {
    const sink = this.sink
    if (!sink) return // attach() finishes
    this.sink = undefined
    for (const batch of this.queue) sink.write(batch)
    this.queue = []
    this.queued = 0
    sink.end(this.endReason as EndReason)
  }

  /** Writes `batch` at once if the sink can take it, else queues it; either way it is accepted. */
  private accept(batch: Batch): void {
    this.lastId = batch.lastId
    if (batch.size === 0) return // only corrupt events were left out: nothing to write
    if (this.full || this.queue.length > 0) {
      this.queue.push(batch)
      this.queued += batch.size
    } else {
      this.deliver(batch)
    }
  }

  private deliver(batch: Batch): void {
    this.delivered += batch.size
    if (!(this.sink as Sink).write(batch)) this.full = true
  }

  private readMore(): void {
    if (this.reading || this.aheadOfPoller || this.ended || this.full || this.queued > 0) return
    this.reading = true
    this.batchArrivedWhileReading = false
    this.host.read(this.topic, this.lastId, this.host.pageSize).then(
      (page) => this.afterRead(page),
      (error) => {
        this.reading = false
        if (error instanceof CannotResumeError) {
          this.resetError = error
          this.end('reset')
        } else {
          this.host.failed(error)
          this.end('error')
        }
      },
    )
  }

  private afterRead(page: Batch | undefined): void {
    this.reading = false
    if (this.ended) return
    if (page) this.accept(page)
    if (this.lastId === this.host.cursor(this.topic)) {
      this.live = true
      return
    }
    // Events after the poller's cursor were read here; wait for the poller's batch that holds
    // `lastId` unless the store answered before a batch it already fanned out (then read again).
    if (page === undefined && !this.batchArrivedWhileReading) this.aheadOfPoller = true
    else this.readMore()
  }
}
