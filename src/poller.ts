/**
 * The poller: the only delivery path. It keeps one cursor per topic that has local subscribers,
 * reads what is new in one store round trip, frames each event once and fans it out. Wake-ups
 * coalesce; a backstop interval covers lost signals; it is idle when nobody subscribes.
 * @module
 */

import type { RecordScreen } from './screen.js'
import { Batch } from './sse/batch.js'
import type { EventStore, Unsubscribe } from './store.js'
import type { Subscriber } from './subscriber.js'

/** Tuning of a poller. */
export interface PollerOptions {
  /** Backstop poll interval when no wake-up arrives, in ms. */
  pollIntervalMs: number
  /** Most events read per topic per poll. */
  batchSize: number
  /** Where store errors go; the poller retries at the next wake-up or backstop tick. */
  onError: (error: unknown) => void
  /** Checks what the store returns before it is fanned out. */
  screen: RecordScreen
}

interface TopicState {
  cursor: string
  subscribers: Set<Subscriber>
}

/** Tails the store for the topics that have local subscribers and fans new events out to them. */
export class Poller {
  /** Milliseconds from the oldest wake-up served by the last poll to its fan-out. */
  lastLagMs = 0

  private readonly topics = new Map<string, TopicState>()
  private readonly store: EventStore
  private readonly options: PollerOptions
  private polling = false
  private dirty = false
  private scheduled = false
  private wokenAt: number | undefined
  private backstop: ReturnType<typeof setInterval> | undefined
  private stopWake: Unsubscribe | undefined

  constructor(store: EventStore, options: PollerOptions) {
    this.store = store
    this.options = options
  }

  /** Number of topics being tailed. */
  get topicCount(): number {
    return this.topics.size
  }

  /** The id of the last event fanned out for `topic`, if it is tailed. */
  cursor(topic: string): string | undefined {
    return this.topics.get(topic)?.cursor
  }

  /** Registers a subscriber; a topic new to the poller starts at `head` (the store's head, read just before). */
  attach(subscriber: Subscriber, head: string): void {
    let state = this.topics.get(subscriber.topic)
    if (!state) {
      state = { cursor: head, subscribers: new Set() }
      this.topics.set(subscriber.topic, state)
      if (this.topics.size === 1) this.start()
    }
    state.subscribers.add(subscriber)
  }

  /** Unregisters a subscriber; the topic stops being tailed with its last subscriber. */
  detach(subscriber: Subscriber): void {
    const state = this.topics.get(subscriber.topic)
    if (!state?.subscribers.delete(subscriber) || state.subscribers.size > 0) return
    this.topics.delete(subscriber.topic)
    if (this.topics.size === 0) this.stop()
  }

  /** Asks for a poll soon; calls made while one is pending or running coalesce into one more poll. */
  wake(topic?: string): void {
    if (this.topics.size === 0 || (topic !== undefined && !this.topics.has(topic))) return
    this.wokenAt ??= performance.now()
    if (this.polling) {
      this.dirty = true
      return
    }
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.poll()
    })
  }

  /** Stops timers and the store's wake-up subscription. */
  stop(): void {
    clearInterval(this.backstop)
    this.backstop = undefined
    this.stopWake?.()
    this.stopWake = undefined
  }

  private start(): void {
    this.backstop = setInterval(() => this.wake(), this.options.pollIntervalMs)
    this.backstop.unref()
    this.stopWake = this.store.onWake?.((topic) => this.wake(topic))
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.dirty = true
      return
    }
    this.polling = true
    try {
      do {
        this.dirty = false
        const wokenAt = this.wokenAt
        this.wokenAt = undefined
        if (await this.pollOnce()) this.dirty = true
        if (wokenAt !== undefined) this.lastLagMs = performance.now() - wokenAt
      } while (this.dirty && this.topics.size > 0)
    } catch (error) {
      this.options.onError(error)
    } finally {
      this.polling = false
    }
  }

  /** One read of every tailed topic; returns whether some topic filled a whole batch (more to read). */
  private async pollOnce(): Promise<boolean> {
    const asked = [...this.topics].map(([topic, state]) => ({ topic, after: state.cursor, state }))
    if (asked.length === 0) return false
    const result = await this.store.readAfter(asked, this.options.batchSize)
    let more = false
    for (const { topic, after, state } of asked) {
      const read = result.get(topic)
      // Skip a topic that was dropped (or dropped and re-added) while the read was in flight.
      if (!read?.length || this.topics.get(topic) !== state || state.cursor !== after) continue
      state.cursor = (read[read.length - 1] as (typeof read)[number]).id
      if (read.length >= this.options.batchSize) more = true
      const records = this.options.screen.pass(topic, read)
      if (records.length === 0) continue // only corrupt events: the cursor moved past them
      const batch = new Batch(records, state.cursor)
      for (const subscriber of state.subscribers) subscriber.offer(batch, after)
    }
    return more
  }
}
