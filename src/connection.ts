/**
 * A connection: one SSE stream or `broker.subscribe()` iterator, over one or more topics. It holds
 * its sink, its position in each topic and a bounded queue. A topic's position is live while it
 * keeps up: a batch the poller fans out is written to the sink at once, the same bytes as every
 * other stream's. When the sink is full, batches wait in the queue; when the queue would overflow,
 * the topic stops taking live events and, once the sink drains, the poller pages what it missed
 * from the store, then it rejoins live. Each topic keeps its own order; across topics, events go
 * out in the order they arrive.
 * @module
 */
import type { Batch, Envelope } from './batch.js'
import { StreamCursor } from './cursor.js'
import { CannotResumeError } from './errors.js'
import type { Poller } from './poller.js'
import type { EndReason, Sink } from './sink.js'

/** How a connection buffers and catches up. */
export interface ConnectionLimits {
  /** Most events held in the queue before a topic falls back to catching up. */
  readonly queueLimit: number
  /** Most events read per catch-up page (shared by the topics caught up together). */
  readonly pageSize: number
  /** On overflow: page from the store (`'catch-up'`) or end the stream (`'disconnect'`). */
  readonly onSlow: 'catch-up' | 'disconnect'
}

const LIVE = 1
const AHEAD_OF_POLLER = 2
const ARRIVED_WHILE_READING = 4

/** A connection's position in one of its topics; the poller fans out to these. */
export class TopicPosition {
  /** The connection it belongs to. */
  readonly connection: Connection
  /** The topic. */
  readonly topic: string
  /** The id of the last event accepted (written or queued), or the start position. */
  lastId: string
  /** The three flags below, in one field (thousands of idle streams over ten topics each hold many positions). */
  private flags = 0

  constructor(connection: Connection, topic: string, start: string) {
    this.connection = connection
    this.topic = topic
    this.lastId = start
  }

  /** Whether it takes the poller's batches as they come (else it catches up from the store). */
  get live(): boolean {
    return (this.flags & LIVE) !== 0
  }

  set live(value: boolean) {
    this.flag(LIVE, value)
  }

  /** A catch-up read found nothing the poller had not fanned out yet: wait for the poller's batch. */
  get aheadOfPoller(): boolean {
    return (this.flags & AHEAD_OF_POLLER) !== 0
  }

  set aheadOfPoller(value: boolean) {
    this.flag(AHEAD_OF_POLLER, value)
  }

  /** A batch arrived while a catch-up read was in flight (the read may have missed it). */
  get arrivedWhileReading(): boolean {
    return (this.flags & ARRIVED_WHILE_READING) !== 0
  }

  set arrivedWhileReading(value: boolean) {
    this.flag(ARRIVED_WHILE_READING, value)
  }

  private flag(bit: number, value: boolean): void {
    this.flags = value ? this.flags | bit : this.flags & ~bit
  }
}

/** A queued batch and the topic position it advances. */
interface Queued {
  position: TopicPosition
  batch: Batch
}

/**
 * Receives its topics' events exactly once, each topic in order, from its start positions until
 * it ends.
 */
export class Connection {
  /** Its position in each topic, in sorted topic order. */
  readonly positions: readonly TopicPosition[]
  /** Set once the connection has ended. */
  endReason: EndReason | undefined
  /** Events written to the sink so far. */
  delivered = 0
  /** What ended it, when that was an error: a {@link CannotResumeError} (`'reset'`), or the failed catch-up read (`'error'`). */
  endError: unknown
  /** Called once when the connection ends (for whoever keeps timers for it). */
  whenEnded: ((connection: Connection) => void) | undefined

  private readonly poller: Poller
  private readonly limits: ConnectionLimits
  /** The positions last written, for the `id:` lines of a stream over several topics. */
  private readonly wire: StreamCursor | undefined
  /** Batches waiting for the sink, oldest first (made when the first one waits: idle streams have none). */
  private queue: Queued[] | undefined
  private queued = 0
  private sink: Sink | undefined
  private full = true
  private draining = false
  private reading = false
  /** The topic of the last batch framed by {@link Connection.framesOf}. */
  private lastFramed = 0

  /** `topics` sorted and distinct; `starts` the id each starts after. */
  constructor(topics: readonly string[], starts: readonly string[], limits: ConnectionLimits, poller: Poller) {
    this.positions = topics.map((topic, i) => new TopicPosition(this, topic, starts[i] as string))
    this.limits = limits
    this.poller = poller
    this.wire = topics.length > 1 ? new StreamCursor(this.positions, starts) : undefined
  }

  /** Whether some topic is catching up from the store instead of taking live events. */
  get lagging(): boolean {
    return this.endReason === undefined && this.positions.some((position) => !position.live)
  }

  /** Whether the connection has ended. */
  get ended(): boolean {
    return this.endReason !== undefined
  }

  /** Starts delivery once the poller tracks it: each topic live if already at the poller's cursor, else catching up. */
  begin(): void {
    for (const position of this.positions) {
      if (position.lastId === this.poller.cursor(position.topic)) position.live = true
    }
    this.readMore()
  }

  /**
   * Connects the sink (after the transport wrote its first bytes) and writes what is waiting;
   * with `full`, waits for the sink's {@link Connection.drained} first.
   */
  bind(sink: Sink, full = false): void {
    this.sink = sink
    if (this.ended) this.finish()
    else if (!full) this.drained()
  }

  /** Whether its frames are the batches' shared bytes (a one-topic stream), rather than its own (`id:` lines are cursors). */
  get sharesFrames(): boolean {
    return this.wire === undefined
  }

  /**
   * The bytes of `batch` for this stream, in write order (call it once per written batch): the
   * batch's shared frames on a one-topic stream (`envelope` is not applied: wrap them once for every
   * stream); on a stream over several topics, the shared `event:`/`data:` bytes with this stream's
   * cursor as each `id:`, inside `envelope`.
   */
  framesOf(batch: Batch, envelope?: Envelope): Uint8Array {
    const wire = this.wire
    if (!wire) return batch.bytes
    // Streams over several topics mostly get batches of one hot topic: look there first.
    if (this.positions[this.lastFramed]?.topic !== batch.topic) {
      this.lastFramed = this.positions.findIndex((position) => position.topic === batch.topic)
    }
    return batch.framesFor(wire, this.lastFramed, envelope)
  }

  /** The sink can take more: write what is queued, then catch up if behind. */
  drained(): void {
    if (!this.sink || this.ended) return
    this.full = false
    if (this.draining) return // a sink calling back from inside write(): the loop below goes on
    this.draining = true
    try {
      while (!this.full && this.queue?.length) {
        const { batch } = this.queue.shift() as Queued
        this.queued -= batch.size
        this.deliver(batch)
      }
    } finally {
      this.draining = false
    }
    if (!this.full) this.readMore()
  }

  /** Offers a batch the poller fanned out to `position`: consecutive events of its topic right after `previous`. */
  offer(position: TopicPosition, batch: Batch, previous: string): void {
    if (this.ended) return
    if (position.live) {
      if (this.queued + batch.size <= this.limits.queueLimit) this.accept(position, batch)
      else if (this.limits.onSlow === 'disconnect') this.end('slow')
      else {
        position.live = false
        this.readMore()
      }
      return
    }
    position.aheadOfPoller = false
    if (this.reading) {
      position.arrivedWhileReading = true
      return
    }
    if (this.queued > 0) return // the next read, once the queue drains, covers this batch
    const { lastId } = position
    const from = lastId === previous ? 0 : batch.records.findIndex((record) => record.id === lastId) + 1
    if ((from > 0 || lastId === previous) && batch.size - from <= this.limits.queueLimit) {
      position.live = true
      this.accept(position, batch.from(from))
      return
    }
    this.readMore()
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
    this.poller.untrack(this)
    this.whenEnded?.(this)
    this.finish()
  }

  private finish(): void {
    const sink = this.sink
    if (!sink) return // bind() finishes
    this.sink = undefined
    for (const { batch } of this.queue ?? []) sink.write(batch)
    this.queue = undefined
    this.queued = 0
    sink.end(this.endReason as EndReason)
  }

  /** Writes `batch` at once if the sink can take it, else queues it; either way `position` moves past it. */
  private accept(position: TopicPosition, batch: Batch): void {
    position.lastId = batch.lastId
    if (batch.size === 0) return // only corrupt events were left out: nothing to write
    if (this.full || this.queue?.length) {
      this.queue ??= []
      this.queue.push({ position, batch })
      this.queued += batch.size
    } else {
      this.deliver(batch)
    }
  }

  private deliver(batch: Batch): void {
    this.delivered += batch.size
    if (!(this.sink as Sink).write(batch)) this.full = true
  }

  /** Reads a page for every topic that is behind and not waiting for the poller, in one store round trip. */
  private readMore(): void {
    if (this.reading || this.ended || this.full || this.queued > 0) return
    const behind = this.positions.filter((position) => !position.live && !position.aheadOfPoller)
    if (behind.length === 0) return
    this.reading = true
    for (const position of behind) position.arrivedWhileReading = false
    const pageSize = Math.max(1, Math.floor(this.limits.pageSize / behind.length))
    this.poller.read(behind, pageSize).then(
      (pages) => this.afterRead(behind, pages),
      (error: unknown) => {
        this.reading = false
        this.endError = error
        this.end(error instanceof CannotResumeError ? 'reset' : 'error')
      },
    )
  }

  private afterRead(behind: readonly TopicPosition[], pages: ReadonlyArray<Batch | undefined>): void {
    this.reading = false
    if (this.ended) return
    for (const [i, position] of behind.entries()) {
      const page = pages[i]
      if (page) this.accept(position, page)
      if (position.lastId === this.poller.cursor(position.topic)) position.live = true
      // Events after the poller's cursor were read here; wait for the poller's batch that holds
      // `lastId` unless the store answered before a batch it already fanned out (then read again).
      else if (page === undefined && !position.arrivedWhileReading) position.aheadOfPoller = true
    }
    this.readMore()
  }
}
