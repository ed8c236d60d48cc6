/**
 * The poller: the only delivery path. It keeps one cursor per topic that local connections
 * follow, reads what is new, frames each event once and fans it out to the connections' topic
 * positions; it also reads the catch-up pages of connections that fell behind, and tracks every
 * open connection. A poll reads only the topics that may have changed: those named by wake-ups
 * (this process's publishes, a NOTIFY payload) and those a store with a global commit order lists
 * as changed (`changedTopics`); every tailed topic only when a wake-up cannot say which, in slices
 * between the wake-ups (`sweep.ts`). So an event costs the same whether the process tails a
 * hundred topics or a hundred thousand. Wake-ups coalesce; the backstop covers lost signals (it
 * asks `changedTopics`, or reads a slice of the topics for a store whose wake-ups name them, or
 * every topic for a store without wake-ups); it is idle when nobody subscribes.
 * @module
 */

import { Batch } from './batch.js'
import type { Connection, TopicPosition } from './connection.js'
import { CannotResumeError } from './errors.js'
import type { EventRecord } from './event.js'
import type { RecordScreen } from './screen.js'
import type { EventStore, TopicCursor, Unsubscribe } from './store.js'
import { SWEEP_SLICE, Sweep } from './sweep.js'

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
  /** The topic, as first tailed (streams of it share this string). */
  topic: string
  cursor: string
  positions: Set<TopicPosition>
}

/** What the next poll must read. */
interface PendingWork {
  /** Topics named by wake-ups (or left with a full batch, or of a slice whose read failed). */
  topics: Set<string>
  /** Ask the store which topics changed (`changedTopics`). */
  askChanges: boolean
  /** Read every tailed topic (a full sweep). */
  everything: boolean
}

const noWork = (): PendingWork => ({ topics: new Set(), askChanges: false, everything: false })

/** Tails the store for the topics that local connections follow and fans new events out to them. */
export class Poller {
  /** Milliseconds from the oldest wake-up served by the last poll to its fan-out. */
  lastLagMs = 0
  /** Every open connection. */
  readonly connections = new Set<Connection>()
  /** Events delivered by connections that have ended. */
  deliveredByEnded = 0

  private readonly topics = new Map<string, TopicState>()
  private readonly store: EventStore
  private readonly options: PollerOptions
  private pending: PendingWork = noWork()
  private readonly sweep = new Sweep(() => this.topics.keys())
  /** The store's `changedTopics` token; `undefined` until the first answer (and after a stop). */
  private changesToken: string | undefined
  private polling = false
  private scheduled = false
  /** The failure last reported, until a poll succeeds. */
  private failing: string | undefined
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

  /** `topic` as the poller holds it, when tailed: thousands of streams of a topic then share one string. */
  internedTopic(topic: string): string {
    return this.topics.get(topic)?.topic ?? topic
  }

  /** `id`, or the equal string the poller holds as `topic`'s cursor: thousands of streams at a topic's head then share one string. */
  interned(topic: string, id: string): string {
    const cursor = this.topics.get(topic)?.cursor
    return cursor === id ? cursor : id
  }

  /**
   * Starts tracking a connection; `heads` are the store's heads of its topics (read before it was
   * made), where a topic new to the poller starts, and such a topic is read once soon, for what
   * committed since (a wake-up for it may have come first). Then the connection begins.
   */
  track(connection: Connection, heads: readonly string[]): void {
    this.connections.add(connection)
    for (const [index, position] of connection.positions.entries()) {
      let state = this.topics.get(position.topic)
      if (!state) {
        state = { topic: position.topic, cursor: heads[index] as string, positions: new Set() }
        this.topics.set(position.topic, state)
        if (this.topics.size === 1) this.start()
        this.wake(position.topic)
      }
      state.positions.add(position)
    }
    connection.begin()
  }

  /** Stops tracking a connection; a topic stops being tailed with its last connection. */
  untrack(connection: Connection): void {
    if (!this.connections.delete(connection)) return
    this.deliveredByEnded += connection.delivered
    for (const position of connection.positions) {
      const state = this.topics.get(position.topic)
      if (!state?.positions.delete(position) || state.positions.size > 0) continue
      this.topics.delete(position.topic)
    }
    if (this.topics.size === 0) this.stop()
  }

  /**
   * One catch-up page per position, in one store round trip: up to `limit` events of each topic
   * after the position's `lastId`, screened (`undefined` when there are none, a batch without
   * records when all were corrupt). Rejects with {@link CannotResumeError} when retention pruned
   * events a position had not read: retention deletes oldest first, so when a topic is not pruned
   * past `after` once the read is done, nothing after `after` was deleted before it and the page
   * has no gap. Other errors are reported to `onError` first.
   */
  async read(positions: readonly TopicPosition[], limit: number): Promise<Array<Batch | undefined>> {
    const cursors = positions.map((position) => ({ topic: position.topic, after: position.lastId }))
    try {
      const pages = await this.store.readAfter(cursors, limit)
      const checks = await Promise.all(cursors.map(({ topic, after }) => this.store.checkResume(topic, after)))
      for (const [i, check] of checks.entries()) {
        const { topic, after } = cursors[i] as TopicCursor
        if (!check.ok) throw new CannotResumeError(check.reason, after, topic)
      }
      return cursors.map(({ topic }) => {
        const page = pages.get(topic)
        if (!page?.length) return undefined
        return new Batch(topic, this.options.screen.pass(topic, page), (page[page.length - 1] as EventRecord).id)
      })
    } catch (error) {
      if (!(error instanceof CannotResumeError)) this.options.onError(error)
      throw error
    }
  }

  /**
   * Asks for a poll soon, of `topic` when given, else of whatever may have changed. Calls made while
   * a poll is pending or running coalesce into one more poll.
   */
  wake(topic?: string): void {
    if (this.topics.size === 0) return
    if (topic !== undefined) {
      if (!this.topics.has(topic)) return
      this.pending.topics.add(topic)
    } else if (this.store.changedTopics) this.pending.askChanges = true
    else this.pending.everything = true
    this.schedule()
  }

  /** The backstop: ask the store what changed, or read the next slice of the topics, or all of them. */
  private backstopTick(): void {
    if (this.topics.size === 0) return
    if (this.store.changedTopics) this.pending.askChanges = true
    else if (this.store.onWake) this.sweep.step()
    else this.pending.everything = true
    this.schedule()
  }

  private schedule(): void {
    this.wokenAt ??= performance.now()
    if (this.polling || this.scheduled) return
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
    this.pending = noWork()
    this.sweep.clear()
    this.changesToken = undefined
  }

  private start(): void {
    this.backstop = setInterval(() => this.backstopTick(), this.options.pollIntervalMs)
    this.backstop.unref()
    this.stopWake = this.store.onWake?.((topic) => this.wake(topic))
    // The first `changedTopics` token is taken at once; the read of every topic after it covers
    // whatever committed before it.
    this.pending.askChanges = this.store.changedTopics !== undefined
  }

  private hasWork(): boolean {
    const { topics, askChanges, everything } = this.pending
    return this.topics.size > 0 && (topics.size > 0 || askChanges || everything || this.sweep.due)
  }

  private async poll(): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      while (this.hasWork()) {
        const wokenAt = this.wokenAt
        this.wokenAt = undefined
        const work = this.takeWork()
        try {
          await this.pollOnce(work)
          this.failing = undefined
        } catch (error) {
          // Nothing is lost: what this poll was to read is read at the next wake-up or backstop tick.
          this.restore(work)
          this.report(error)
          return
        }
        if (wokenAt !== undefined) this.lastLagMs = performance.now() - wokenAt
      }
    } finally {
      this.polling = false
    }
  }

  /** Reports a failed poll, once while the same failure repeats (a store that is down fails every poll until it is back). */
  private report(error: unknown): void {
    const text = String(error)
    if (text === this.failing) return
    this.failing = text
    this.options.onError(error)
  }

  /**
   * The work of the next poll: the flags, and at most a slice of the named topics (thousands of
   * topics attached at once, say), taken out of the pending set in place so the rest waits at no cost.
   */
  private takeWork(): PendingWork {
    const { pending } = this
    const topics = new Set<string>()
    for (const topic of pending.topics) {
      if (topics.size >= SWEEP_SLICE) break
      topics.add(topic)
    }
    for (const topic of topics) pending.topics.delete(topic)
    const work: PendingWork = { topics, askChanges: pending.askChanges, everything: pending.everything }
    pending.askChanges = false
    pending.everything = false
    return work
  }

  /** Puts back the work of a failed poll, merged with what arrived meanwhile. */
  private restore(work: PendingWork): void {
    for (const topic of work.topics) this.pending.topics.add(topic)
    this.pending.askChanges ||= work.askChanges
    this.pending.everything ||= work.everything
  }

  /** One read of the topics that may have changed; a topic that filled a whole batch stays pending. */
  private async pollOnce(work: PendingWork): Promise<void> {
    if (work.askChanges && this.store.changedTopics) {
      const changes = await this.store.changedTopics(this.changesToken)
      if (this.changesToken === undefined || changes.topics === undefined) work.everything = true
      else for (const topic of changes.topics) work.topics.add(topic)
      this.changesToken = changes.token
      work.askChanges = false // done: a failed read below must not ask again for what this answer said
    }
    if (work.everything) this.sweep.full()
    work.everything = false // handed to the sweep
    // The slice joins the named topics, so a failed read puts it back as topics to read.
    for (const topic of this.sweep.next()) work.topics.add(topic)
    const asked: Array<TopicCursor & { state: TopicState }> = []
    for (const topic of work.topics) {
      const state = this.topics.get(topic)
      if (state) asked.push({ topic, after: state.cursor, state })
    }
    if (asked.length === 0) return
    const result = await this.store.readAfter(asked, this.options.batchSize)
    for (const { topic, after, state } of asked) {
      const read = result.get(topic)
      // Skip a topic that was dropped (or dropped and re-added) while the read was in flight.
      if (!read?.length || this.topics.get(topic) !== state || state.cursor !== after) continue
      state.cursor = (read[read.length - 1] as (typeof read)[number]).id
      if (read.length >= this.options.batchSize) this.pending.topics.add(topic)
      const records = this.options.screen.pass(topic, read)
      if (records.length === 0) continue // only corrupt events: the cursor moved past them
      const batch = new Batch(topic, records, state.cursor)
      for (const position of state.positions) position.connection.offer(position, batch, after)
    }
  }
}
