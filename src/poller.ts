/**
 * The poller: the only delivery path. It tails the topics its followers (connections' topic
 * positions) follow, one cursor per topic, reads what is new, and hands each batch to the topic's
 * followers; it knows nothing of connections, queues or SSE. A poll reads only the topics that may
 * have changed: those named by wake-ups (this process's publishes, a NOTIFY payload) and those a
 * store with a global commit order lists as changed (`changedTopics`); every tailed topic only when
 * a wake-up cannot say which, in slices between the wake-ups (`sweep.ts`). So an event costs the
 * same whether the process tails a hundred topics or a hundred thousand. Wake-ups coalesce
 * (`poll-plan.ts`); the backstop covers lost signals; it is idle when nobody follows a topic.
 * While a bus is connected, the backstop of a store that cannot list what changed reads a share of
 * the topics per tick (every topic within {@link BUS_PASS_TICKS} ticks): the bus carries the
 * events, a gap in them is read at once, and every (re)connect reads every topic, so the backstop
 * only has to find a topic's last events when their message was lost.
 *
 * It survives whatever a store throws: the poll's work is put back, the failure is reported once
 * per kind until a poll succeeds, and the next poll waits a backoff (doubling up to the backstop
 * interval) instead of retrying at every wake-up. A batch's events enter delivery in one place,
 * {@link Poller.advance}: the poller's reads, and committed events handed over by this process's
 * publishes, a bus or the store ({@link Poller.offer}), when they continue the topic's tail
 * (`continuation.ts`); anything else they hold is read from the store. A topic the store can no
 * longer read after the tail's cursor (`CannotResumeError`: its epoch ended, as in a failover
 * that may have lost events) stops being tailed, and its followers end with a reset.
 * @module
 */
import { Batch } from './batch.js'
import { continuation } from './continuation.js'
import { CannotResumeError } from './errors.js'
import type { EventRecord } from './event.js'
import { FailureLog } from './failure-log.js'
import { NamedHeads } from './named-heads.js'
import { PollPlan, type PollWork } from './poll-plan.js'
import type { RecordScreen } from './screen.js'
import type { EventStore, TopicCursor, Unsubscribe } from './store.js'
import type { Telemetry } from './telemetry.js'

/** What the poller hands batches to: a connection's position in one topic. */
export interface Follower {
  /** The topic it follows. */
  readonly topic: string
  /** Takes a batch: consecutive events of its topic right after `previous`. */
  receive(batch: Batch, previous: string): void
  /** `receive` threw, or its topic cannot be read after the tail (a {@link CannotResumeError}): the follower gives up (the others still get the batch). */
  fail(error: unknown): void
}

/** Tuning of a poller. */
export interface PollerOptions {
  /** Backstop poll interval when no wake-up arrives, in ms; also the longest backoff after a failed poll. */
  pollIntervalMs: number
  /** Most events read per topic per poll. */
  batchSize: number
  /** Where failures go (each kind once while it repeats). */
  onError: (error: unknown) => void
  /** Checks what the store returns before it is handed on. */
  screen: RecordScreen
  /** Told when a topic starts (`true`) or stops (`false`) being tailed: a bus follows the same topics. */
  onTailed?: (topic: string, tailed: boolean) => void
  /** Traces each fan-out (one span per batch), when OpenTelemetry is loaded. */
  telemetry?: Telemetry
}

/** The first pause after a failed poll, in ms; it doubles while polls keep failing. */
const FIRST_BACKOFF_MS = 10

/** With a bus connected, the backstop ticks one pass over every tailed topic takes at most. */
export const BUS_PASS_TICKS = 10

/** With a bus connected, the fewest topics a backstop tick reads (so a process with few topics reads them all each tick). */
export const BUS_SLICE_FLOOR = 100

/** A tailed topic. */
interface Tail {
  /** The topic, as first followed (its followers share this string). */
  topic: string
  /** The id of the last event handed on. */
  cursor: string
  /** Who gets its batches. */
  followers: Set<Follower>
}

/** Tails the store for the topics followers follow and hands new events to them. */
export class Poller {
  /** Milliseconds from the oldest wake-up served by the last poll to its fan-out. */
  lastLagMs = 0
  /** `performance.now()` when the last poll completed (or tailing started): how `broker.health()` sees a stalled poller. */
  lastPollAt = performance.now()

  private readonly tails = new Map<string, Tail>()
  private readonly store: EventStore
  private readonly options: PollerOptions
  private readonly plan = new PollPlan(() => this.tails.keys())
  private readonly failures: FailureLog
  /** The store's `changedTopics` token; `undefined` until the first answer (and after a stop). */
  private changesToken: string | undefined
  /** Whether a bus is connected (its messages carry the events): the backstop then reads a share of the topics per tick. */
  private busConnected = false
  private polling = false
  private scheduled = false
  /** Failed polls in a row. */
  private failedPolls = 0
  /** The pause after a failed poll, while it runs. */
  private backoff: ReturnType<typeof setTimeout> | undefined
  private wokenAt: number | undefined
  private backstop: ReturnType<typeof setInterval> | undefined
  private stopWake: Unsubscribe | undefined
  private readonly positionOf: EventStore['positionOf']
  /** Heads a bus named that a read has not reached yet (re-read shortly: `named-heads.ts`). */
  private readonly named: NamedHeads

  constructor(store: EventStore, options: PollerOptions) {
    this.store = store
    this.positionOf = store.positionOf?.bind(store)
    this.named = new NamedHeads(this.positionOf, (topic) => this.wake(topic))
    this.options = options
    this.failures = new FailureLog(options.onError)
  }

  /** Number of topics being tailed. */
  get topicCount(): number {
    return this.tails.size
  }

  /** Whether no topic is tailed (nothing to poll for). */
  get idle(): boolean {
    return this.tails.size === 0
  }

  /** The id of the last event handed on for `topic`, if it is tailed. */
  cursor(topic: string): string | undefined {
    return this.tails.get(topic)?.cursor
  }

  /** `topic` as the poller holds it, when tailed: thousands of streams of a topic then share one string. */
  internedTopic(topic: string): string {
    return this.tails.get(topic)?.topic ?? topic
  }

  /** `id`, or the equal string the poller holds as `topic`'s cursor: thousands of streams at a topic's head then share one string. */
  interned(topic: string, id: string): string {
    const cursor = this.tails.get(topic)?.cursor
    return cursor === id ? cursor : id
  }

  /**
   * Hands `follower` its topic's batches from now on. A topic new to the poller starts at `head`
   * (the store's head, read before the follower was made) and is read once soon, for what
   * committed since (a wake-up for it may have come first).
   */
  follow(follower: Follower, head: string): void {
    let tail = this.tails.get(follower.topic)
    if (!tail) {
      tail = { topic: follower.topic, cursor: head, followers: new Set() }
      this.tails.set(follower.topic, tail)
      if (this.tails.size === 1) this.start()
      this.options.onTailed?.(follower.topic, true)
      this.wake(follower.topic)
    }
    tail.followers.add(follower)
  }

  /** Stops handing batches to `follower`; a topic stops being tailed with its last follower. */
  unfollow(follower: Follower): void {
    const tail = this.tails.get(follower.topic)
    if (!tail?.followers.delete(follower) || tail.followers.size > 0) return
    this.untail(tail)
  }

  /** Stops tailing `tail`'s topic; with the last topic, the timers and wake-ups stop too. */
  private untail(tail: Tail): void {
    this.tails.delete(tail.topic)
    this.named.forget(tail.topic)
    this.options.onTailed?.(tail.topic, false)
    if (this.tails.size === 0) this.stop()
  }

  /**
   * Asks for a poll soon, of `topic` when given, else of whatever may have changed. Calls made while
   * a poll is pending or running coalesce into one more poll.
   */
  wake(topic?: string): void {
    if (this.tails.size === 0) return
    if (topic !== undefined) {
      if (!this.tails.has(topic)) return
      this.plan.addTopic(topic)
    } else if (this.store.changedTopics) this.plan.askChanges()
    else this.plan.readEverything()
    this.schedule()
  }

  /**
   * Committed events of `topic` (consecutive, oldest first) from elsewhere: this process's
   * publishes, a bus, the store. Those that continue the tail are handed on at once, those handed
   * on before are dropped, and when they leave a gap (or cannot be placed) the topic is read.
   */
  offer(topic: string, records: readonly EventRecord[]): void {
    const tail = this.tails.get(topic)
    if (!tail || records.length === 0) return
    const { next, gap } = continuation(this.positionOf, tail.cursor, records)
    if (next.length > 0) this.advance(tail, next)
    if (!gap) return
    this.named.name(topic, (records[records.length - 1] as EventRecord).id)
    this.wake(topic)
  }

  /** A wake-up naming `topic`'s head (`head`): read it unless the tail is there already. */
  offerHead(topic: string, head: string): void {
    const tail = this.tails.get(topic)
    if (!tail || tail.cursor === head) return
    const at = this.positionOf?.(tail.cursor)
    const named = this.positionOf?.(head)
    if (at && named && at.epoch === named.epoch && named.seq <= at.seq) return
    this.named.name(topic, head)
    this.wake(topic)
  }

  /**
   * The bus connected (`true`) or went down: after a (re)connect every topic is read, since
   * messages sent meanwhile may be lost; while it is down the backstop reads every topic each tick.
   */
  busStatus(connected: boolean): void {
    this.busConnected = connected
    if (connected) this.wake()
  }

  /** Stops timers and the store's wake-up subscription. */
  stop(): void {
    clearInterval(this.backstop)
    clearTimeout(this.backoff)
    this.backstop = this.backoff = undefined
    this.stopWake?.()
    this.stopWake = undefined
    this.plan.clear()
    this.named.clear()
    this.changesToken = undefined
    this.failedPolls = 0
  }

  private start(): void {
    this.lastPollAt = performance.now()
    this.backstop = setInterval(() => this.backstopTick(), this.options.pollIntervalMs)
    this.backstop.unref()
    this.stopWake = this.store.onWake?.((topic) => this.wake(topic))
    // The first `changedTopics` token is taken at once; the read of every topic after it covers
    // whatever committed before it.
    if (this.store.changedTopics) this.plan.askChanges()
  }

  /** The backstop: ask the store what changed, or read the next slice of the topics (a smaller one with a bus connected), or all of them. */
  private backstopTick(): void {
    if (this.tails.size === 0) return
    if (this.store.changedTopics) this.plan.askChanges()
    else if (this.busConnected) this.plan.sweepStep(Math.max(BUS_SLICE_FLOOR, Math.ceil(this.tails.size / BUS_PASS_TICKS)))
    else if (this.store.onWake) this.plan.sweepStep()
    else this.plan.readEverything()
    this.schedule()
  }

  private schedule(): void {
    this.wokenAt ??= performance.now()
    if (this.polling || this.scheduled || this.backoff) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.poll()
    })
  }

  private async poll(): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      while (this.tails.size > 0 && this.plan.due) {
        const wokenAt = this.wokenAt
        this.wokenAt = undefined
        const work = this.plan.take()
        try {
          await this.pollOnce(work)
        } catch (error) {
          // Nothing is lost: what this poll was to read is read after the backoff.
          this.plan.restore(work)
          this.failed(error)
          return
        }
        this.failedPolls = 0
        this.lastPollAt = performance.now()
        this.failures.succeeded()
        if (wokenAt !== undefined) this.lastLagMs = performance.now() - wokenAt
      }
    } finally {
      this.polling = false
    }
  }

  /** Reports a failed poll (once per kind until one succeeds) and polls again after a backoff. */
  private failed(error: unknown): void {
    this.failures.failed(error)
    const pauseMs = Math.min(FIRST_BACKOFF_MS * 2 ** this.failedPolls, this.options.pollIntervalMs)
    this.failedPolls++
    this.backoff = setTimeout(() => {
      this.backoff = undefined
      this.schedule()
    }, pauseMs)
    this.backoff.unref()
  }

  /** One read of the topics that may have changed; a topic that filled a whole batch stays pending. */
  private async pollOnce(work: PollWork): Promise<void> {
    if (work.askChanges && this.store.changedTopics) {
      const changes = await this.store.changedTopics(this.changesToken)
      if (this.changesToken === undefined || changes.topics === undefined) work.everything = true
      else for (const topic of changes.topics) work.topics.add(topic)
      this.changesToken = changes.token
      work.askChanges = false // done: a failed read below must not ask again for what this answer said
    }
    this.plan.addSweepSlice(work)
    const asked: Array<TopicCursor & { tail: Tail }> = []
    for (const topic of work.topics) {
      const tail = this.tails.get(topic)
      if (tail) asked.push({ topic, after: tail.cursor, tail })
    }
    const result = await this.read(asked)
    for (const { topic, after, tail } of asked) {
      const read = result.get(topic)
      // Skip a topic that was dropped (or dropped and re-added) while the read was in flight.
      if (this.tails.get(topic) !== tail) continue
      if (read?.length) {
        if (read.length >= this.options.batchSize) this.plan.addTopic(topic)
        if (tail.cursor === after) this.advance(tail, read)
        else this.offer(topic, read) // events offered meanwhile moved the tail: hand on only what continues it
      }
      this.named.read(topic, tail.cursor)
    }
  }

  /**
   * Reads `asked` (the tails' cursors). A topic the store cannot read after its cursor (a
   * `CannotResumeError` naming it) is dropped and its followers end: whatever they saw may have
   * been lost, and positions after it handed out again. The others are read again.
   */
  private async read(asked: Array<TopicCursor & { tail: Tail }>): Promise<Map<string, EventRecord[]>> {
    for (;;) {
      if (asked.length === 0) return new Map()
      try {
        return await this.store.readAfter(asked, this.options.batchSize)
      } catch (error) {
        if (!(error instanceof CannotResumeError)) throw error
        const ended = new Set(error.resets.map(({ topic }) => topic))
        const kept = asked.filter(({ topic }) => !ended.has(topic))
        if (kept.length === asked.length) throw error // it names none of them: a failed read
        for (const { tail } of asked) if (ended.has(tail.topic)) this.drop(tail, error)
        asked.splice(0, asked.length, ...kept)
      }
    }
  }

  /** Stops tailing `tail` (if still tailed) and ends its followers with `error`. */
  private drop(tail: Tail, error: CannotResumeError): void {
    if (this.tails.get(tail.topic) !== tail) return
    this.untail(tail)
    for (const follower of tail.followers) {
      try {
        follower.fail(error)
      } catch (failure) {
        this.options.onError(failure)
      }
    }
  }

  /** Moves `tail`'s cursor past `read` (committed events right after it, in order) and hands them to its followers, screened. */
  private advance(tail: Tail, read: readonly EventRecord[]): void {
    const previous = tail.cursor
    tail.cursor = (read[read.length - 1] as EventRecord).id
    const records = this.options.screen.pass(tail.topic, read)
    if (records.length === 0) return // only corrupt events: the cursor moved past them
    const batch = new Batch(tail.topic, records, tail.cursor)
    const { telemetry } = this.options
    if (telemetry) telemetry.deliver(tail.topic, records, 'live', () => this.fanOut(tail, batch, previous))
    else this.fanOut(tail, batch, previous)
  }

  /** Hands `batch` to every follower of `tail`. */
  private fanOut(tail: Tail, batch: Batch, previous: string): void {
    for (const follower of tail.followers) this.handOver(follower, batch, previous)
  }

  /** Hands `batch` to `follower`; one that throws (its transport did) is reported and fails alone, and the others still get the batch. */
  private handOver(follower: Follower, batch: Batch, previous: string): void {
    try {
      follower.receive(batch, previous)
    } catch (error) {
      this.options.onError(error)
      try {
        follower.fail(error)
      } catch {
        // Its transport threw again while ending: it is ended and forgotten all the same.
      }
    }
  }
}
