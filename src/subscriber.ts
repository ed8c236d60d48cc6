/**
 * One subscriber per SSE connection or `broker.subscribe()` iterator: its topic, its last
 * accepted id and a bounded queue. Live while it keeps up; when the queue would overflow it
 * stops taking live events and pages what it missed from the store, then rejoins live.
 * @module
 */

import { CannotResumeError } from './errors.js'
import type { Delivery } from './sse/frame.js'

/**
 * Why a subscriber ended: the client went away (`closed`), it fell behind with `onSlow:
 * 'disconnect'` (`slow`), the broker closed (`shutdown`), `maxStreamMs` passed (`expired`), a
 * re-check refused it (`unauthorized`), retention pruned events it had not read yet (`reset`),
 * or a catch-up read failed (`error`).
 */
export type EndReason = 'closed' | 'slow' | 'shutdown' | 'expired' | 'unauthorized' | 'reset' | 'error'

/** What a subscriber needs from its broker to catch up from the store. */
export interface CatchUpSource {
  /**
   * Reads up to `limit` committed events of `topic` strictly after `after`, oldest first; throws
   * {@link CannotResumeError} when events after `after` may have been pruned before the read.
   */
  read(topic: string, after: string, limit: number): Promise<Delivery[]>
  /** The poller's position in `topic`: the id of the last event it fanned out. */
  cursor(topic: string): string | undefined
}

/** Tuning of a subscriber. */
export interface SubscriberOptions {
  /** Most events held in the queue before the subscriber falls back to catching up. */
  queueLimit: number
  /** Most events read per catch-up page. */
  pageSize: number
  /** On overflow: page from the store (`'catch-up'`) or end the stream (`'disconnect'`). */
  onSlow: 'catch-up' | 'disconnect'
}

/**
 * Receives a topic's events exactly once, in order, from its start position until it ends.
 * Consumers call {@link Subscriber.next} and write what it returns before calling it again.
 */
export class Subscriber {
  /** The subscribed topic. */
  readonly topic: string
  /** Set once the subscriber has ended. */
  endReason: EndReason | undefined
  /** Called once, when the subscriber ends (the broker unregisters it). */
  onEnd: ((subscriber: Subscriber) => void) | undefined
  /** Events handed to the consumer so far. */
  delivered = 0
  /** Called when a catch-up read fails (the subscriber then ends with `'error'`). */
  onError: ((error: unknown) => void) | undefined
  /** Why events can no longer be delivered in order, when it ended with `'reset'`. */
  resetError: CannotResumeError | undefined

  private queue: Delivery[] = []
  private lastId: string
  private live = false
  private reading = false
  private batchArrivedWhileReading = false
  private aheadOfPoller = false
  private waiter: ((poked: boolean) => void) | undefined
  private readonly endListeners = new Set<() => void>()
  private readonly options: SubscriberOptions
  private readonly source: CatchUpSource

  constructor(topic: string, start: string, options: SubscriberOptions, source: CatchUpSource) {
    this.topic = topic
    this.lastId = start
    this.options = options
    this.source = source
  }

  /** Whether the subscriber is catching up from the store instead of taking live events. */
  get lagging(): boolean {
    return !this.live && this.endReason === undefined
  }

  /** Whether the subscriber has ended. */
  get ended(): boolean {
    return this.endReason !== undefined
  }

  /** The id of the last event accepted into the queue (or the start position). */
  get position(): string {
    return this.lastId
  }

  /** Starts delivery once registered with the poller: live if already at its cursor, else catching up. */
  begin(): void {
    if (this.lastId === this.source.cursor(this.topic)) this.live = true
    else this.readMore()
  }

  /** Offers a batch the poller fanned out: consecutive events of the topic right after `previous`. */
  offer(batch: readonly Delivery[], previous: string): void {
    if (this.ended || batch.length === 0) return
    if (this.live) {
      if (this.queue.length + batch.length <= this.options.queueLimit) this.accept(batch, 0)
      else if (this.options.onSlow === 'disconnect') this.end('slow')
      else {
        this.live = false
        this.readMore() // a consumer waiting in next() must not wait for the topic's next event
      }
      return
    }
    this.aheadOfPoller = false
    if (this.reading) {
      this.batchArrivedWhileReading = true
      return
    }
    if (this.queue.length > 0) return // the next read, once the queue drains, covers this batch
    const from = this.lastId === previous ? 0 : batch.findIndex((d) => d.record.id === this.lastId) + 1
    if (from > 0 || this.lastId === previous) {
      if (batch.length - from <= this.options.queueLimit) {
        this.live = true
        this.accept(batch, from)
        return
      }
    }
    this.readMore()
  }

  /**
   * Resolves with the next deliveries to write (never more than the queue limit), with `[]` when
   * {@link Subscriber.poke} interrupts the wait, or with `null` once ended and drained.
   */
  async next(): Promise<Delivery[] | null> {
    for (;;) {
      if (this.queue.length > 0) {
        const items = this.queue
        this.queue = []
        this.delivered += items.length
        if (!this.live) this.readMore()
        return items
      }
      if (this.ended) return null
      if (!this.live) this.readMore()
      const poked = await new Promise<boolean>((resolve) => {
        this.waiter = resolve
      })
      if (poked) return []
    }
  }

  /** Wakes a consumer waiting in {@link Subscriber.next} with `[]` (e.g. to write a heartbeat). */
  poke(): void {
    this.wake(true)
  }

  /** Calls `listener` once when the subscriber ends; returns a function that cancels it. */
  onceEnded(listener: () => void): () => void {
    if (this.ended) {
      listener()
      return () => {}
    }
    this.endListeners.add(listener)
    return () => this.endListeners.delete(listener)
  }

  /**
   * Ends the subscriber. A client that went away (`'closed'`) or fell behind (`'slow'`: it resumes
   * with `Last-Event-ID`) drops its queue; any other reason lets the consumer write what is queued
   * first. Idempotent.
   */
  end(reason: EndReason): void {
    if (this.ended) return
    this.endReason = reason
    if (reason === 'closed' || reason === 'slow') this.queue = []
    this.wake(false)
    this.onEnd?.(this)
    for (const listener of this.endListeners) listener()
    this.endListeners.clear()
  }

  private accept(batch: readonly Delivery[], from: number): void {
    for (let i = from; i < batch.length; i++) this.queue.push(batch[i] as Delivery)
    this.lastId = (batch[batch.length - 1] as Delivery).record.id
    this.wake(false)
  }

  private wake(poked: boolean): void {
    const waiter = this.waiter
    this.waiter = undefined
    waiter?.(poked)
  }

  private readMore(): void {
    if (this.reading || this.aheadOfPoller || this.ended || this.queue.length >= this.options.queueLimit) return
    this.reading = true
    this.batchArrivedWhileReading = false
    const limit = Math.min(this.options.pageSize, this.options.queueLimit - this.queue.length)
    this.source.read(this.topic, this.lastId, limit).then(
      (page) => this.afterRead(page),
      (error) => {
        this.reading = false
        if (error instanceof CannotResumeError) {
          this.resetError = error
          this.end('reset')
        } else {
          this.onError?.(error)
          this.end('error')
        }
      },
    )
  }

  private afterRead(page: Delivery[]): void {
    this.reading = false
    if (this.ended) return
    if (page.length > 0) this.accept(page, 0)
    if (this.lastId === this.source.cursor(this.topic)) {
      this.live = true
      return
    }
    // Events after the poller's cursor were read here; wait for the poller's batch that holds
    // `lastId` unless the store answered before a batch it already fanned out (then read again).
    if (page.length === 0 && !this.batchArrivedWhileReading) this.aheadOfPoller = true
    else if (this.queue.length === 0) this.readMore()
  }
}
