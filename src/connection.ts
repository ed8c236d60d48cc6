/**
 * A connection: one SSE stream or `broker.subscribe()` iterator, over one or more topics. It holds
 * its batch sink, its position in each topic (`topic-position.ts`: the states and their
 * transitions) and a bounded queue. While a topic is live, a batch the poller fans out goes to the
 * sink at once, or waits in the queue while the sink is full; when the queue would overflow, the
 * topic falls behind and, once the sink drains, the connection reads what it missed from its page
 * reader, then the topic rejoins live. Each topic keeps its own order; across topics, batches go
 * out in the order they arrive.
 * @module
 */
import type { Batch } from './batch.js'
import { CannotResumeError } from './errors.js'
import type { BoundFilter } from './event-filter.js'
import type { PageReader } from './page-reader.js'
import type { BatchSink, EndReason } from './sink.js'
import { type PositionOwner, TopicPosition } from './topic-position.js'

/** How a connection buffers and catches up. */
export interface ConnectionLimits {
  /** Most events held in the queue before a topic falls back to catching up. */
  readonly queueLimit: number
  /** Most events read per catch-up page (shared by the topics caught up together). */
  readonly pageSize: number
  /** On overflow: page from the store (`'catch-up'`) or end the stream (`'disconnect'`). */
  readonly onSlow: 'catch-up' | 'disconnect'
}

/** What a connection needs from the broker's side. */
export interface ConnectionContext {
  /** How it buffers and catches up. */
  readonly limits: ConnectionLimits
  /** Where its catch-up pages come from. */
  readonly pages: PageReader
  /** The id of the last event the poller handed on for `topic`: where live delivery stands. */
  tailOf(topic: string): string | undefined
  /** Told once, when the connection ends. */
  ended(connection: Connection): void
}

/**
 * Receives its topics' events exactly once, each topic in order, from its start positions until
 * it ends.
 */
export class Connection implements PositionOwner {
  /** Its position in each topic, in sorted topic order. */
  readonly positions: readonly TopicPosition[]
  /** Set once the connection has ended. */
  endReason: EndReason | undefined
  /** Events handed to the sink so far. */
  delivered = 0
  /** What ended it, when that was an error: a {@link CannotResumeError} (`'reset'`), or the failed read or write (`'error'`). */
  endError: unknown
  /** Called once when the connection ends (for whoever keeps timers for it). */
  whenEnded: ((connection: Connection) => void) | undefined

  private readonly context: ConnectionContext
  /** Its per-event filter, if any: events it rejects are moved past, never written. */
  private readonly filter: BoundFilter | undefined
  /** Batches waiting for the sink, oldest first (made when the first one waits: idle streams have none). */
  private queue: Batch[] | undefined
  private queued = 0
  private sink: BatchSink | undefined
  private full = true
  private draining = false
  private reading = false

  /** `topics` sorted and distinct; `starts` the id each starts after; `filter` leaves events out. */
  constructor(topics: readonly string[], starts: readonly string[], context: ConnectionContext, filter?: BoundFilter) {
    this.positions = topics.map((topic, i) => new TopicPosition(this, topic, starts[i] as string))
    this.context = context
    this.filter = filter
  }

  /** Whether some topic is catching up from the store instead of taking live events. */
  get lagging(): boolean {
    return this.endReason === undefined && this.positions.some((position) => position.state !== 'live')
  }

  /** Whether the connection has ended. */
  get ended(): boolean {
    return this.endReason !== undefined
  }

  /** Starts delivery once its topics are followed: each topic live if at the poller's tail, else behind. */
  begin(): void {
    for (const position of this.positions) position.begin(this.context.tailOf(position.topic))
    this.readMore()
  }

  /**
   * Connects the sink (after the transport wrote its first bytes) and writes what is waiting;
   * with `full`, waits for {@link Connection.drained} first.
   */
  bind(sink: BatchSink, full = false): void {
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
      while (!this.full && this.queue?.length) {
        const batch = this.queue.shift() as Batch
        this.queued -= batch.size
        this.deliver(batch)
      }
    } finally {
      this.draining = false
    }
    if (!this.full) this.readMore()
  }

  /** The client went away. */
  cancel(): void {
    this.end('closed')
  }

  /** A batch the poller handed to `position`: taken live, queued, or left to a page read, as the position's state says. */
  offer(position: TopicPosition, batch: Batch, previous: string): void {
    if (this.ended) return
    if (position.state === 'live') {
      if (this.queued + batch.size <= this.context.limits.queueLimit) this.accept(position, batch)
      else if (this.context.limits.onSlow === 'disconnect') this.end('slow')
      else {
        position.overflow()
        this.readMore()
      }
      return
    }
    const rest = position.batchArrived(batch, previous, this.queued === 0 ? this.context.limits.queueLimit : undefined)
    if (rest) this.accept(position, rest)
    else this.readMore()
  }

  /** Handing it a batch threw (its transport did), or a topic cannot be read after its position any more (a {@link CannotResumeError}: it ends with `'reset'`). */
  fail(error: unknown): void {
    this.endError = error
    this.end(error instanceof CannotResumeError ? 'reset' : 'error')
  }

  /** Asks the sink for a keep-alive when nothing is waiting to be written. */
  heartbeat(): void {
    if (this.sink && !this.full && !this.queue?.length && !this.ended) this.sink.heartbeat()
  }

  /**
   * Ends the connection. A client that went away (`'closed'`) or fell behind (`'slow'`: it resumes
   * with `Last-Event-ID`) drops its queue; any other reason writes what is queued first, whether
   * or not the sink is full (memory stays bounded by the queue limit). Idempotent.
   */
  end(reason: EndReason): void {
    if (this.ended) return
    this.endReason = reason
    if (reason === 'closed' || reason === 'slow') {
      this.queue = undefined
      this.queued = 0
    }
    this.context.ended(this)
    this.whenEnded?.(this)
    this.finish()
  }

  private finish(): void {
    const sink = this.sink
    if (!sink) return // bind() finishes
    this.sink = undefined
    const queue = this.queue ?? []
    this.queue = undefined
    this.queued = 0
    try {
      for (const batch of queue) sink.write(batch)
    } finally {
      sink.end(this.endReason as EndReason) // even when a write threw: the transport is ended
    }
  }

  /** Moves `position` past `batch` and writes what the filter keeps of it at once if the sink can take it, else queues it. */
  private accept(position: TopicPosition, whole: Batch): void {
    position.advance(whole)
    const batch = this.filter ? this.filter.apply(whole) : whole
    if (batch.size === 0) return // only corrupt or filtered events were left out: nothing to write
    if (this.full || this.queue?.length) {
      this.queue ??= []
      this.queue.push(batch)
      this.queued += batch.size
    } else {
      this.deliver(batch)
    }
  }

  private deliver(batch: Batch): void {
    this.delivered += batch.size
    if (!(this.sink as BatchSink).write(batch)) this.full = true
  }

  /** Reads a page for every topic that is behind, in one store round trip, once nothing is queued and the sink can take more. */
  private readMore(): void {
    if (this.reading || this.ended || this.full || this.queued > 0) return
    const behind = this.positions.filter((position) => position.state === 'behind')
    if (behind.length === 0) return
    this.reading = true
    for (const position of behind) position.startRead()
    const pageSize = Math.max(1, Math.floor(this.context.limits.pageSize / behind.length))
    const cursors = behind.map(({ topic, lastId }) => ({ topic, after: lastId }))
    this.context.pages.read(cursors, pageSize).then(
      (pages) => this.afterRead(behind, pages),
      (error: unknown) => {
        this.reading = false
        this.endError = error
        this.end(error instanceof CannotResumeError ? 'reset' : 'error')
      },
    )
  }

  private afterRead(read: readonly TopicPosition[], pages: ReadonlyArray<Batch | undefined>): void {
    this.reading = false
    if (this.ended) return
    for (const [i, position] of read.entries()) {
      const page = pages[i]
      if (page) this.accept(position, page)
      position.endRead(page !== undefined, this.context.tailOf(position.topic))
    }
    this.readMore()
  }
}
