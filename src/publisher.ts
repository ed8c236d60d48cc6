/**
 * Publishing: every event is validated before anything is written (a bad one rejects the whole
 * call with a typed error) and appended through group commit; once committed, its events are
 * handed to the bus link (`bus-link.ts`: sent on the bus, delivered here without a read). Inside a
 * caller's transaction the commit is not seen: the poller is woken for its topics, and within
 * {@link Publisher.transaction} the events are handed over after the commit.
 * @module
 */
import { BrokerClosedError, publishFailure } from './errors.js'
import { type EventLimits, type EventRecord, type StoredEvent, toDraft } from './event.js'
import { GroupCommit } from './group-commit.js'
import type { EventStore } from './store.js'
import type { Telemetry } from './telemetry.js'

/** Where the publisher hands what it wrote. */
export interface PublishTarget {
  /** Committed events (in commit order per topic). */
  committed(records: readonly EventRecord[]): void
  /** Events written in a caller's transaction whose commit is not seen: read `topic` soon. */
  wake(topic: string): void
}

/** What `broker.transaction` needs of a Kysely database: `db.transaction().execute(fn)`. */
export interface TransactionRunner<Transaction> {
  /** Kysely's transaction builder. */
  transaction(): {
    /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
    execute<Result>(fn: (transaction: Transaction) => Promise<Result>): Promise<Result>
  }
}

/** Options of a publish. */
export interface PublishOptions {
  /** The caller's open transaction: the events commit (and are delivered) only if it commits. */
  transaction?: unknown
}

/** Validates and appends events, and wakes their topics. One per broker. */
export class Publisher {
  /** Events published so far. */
  published = 0
  private readonly store: EventStore
  private readonly limits: EventLimits
  private readonly target: PublishTarget
  private readonly groupCommit: GroupCommit
  private readonly telemetry: Telemetry | undefined
  /** The events written so far in each open {@link Publisher.transaction}, by its transaction. */
  private readonly open = new WeakMap<object, EventRecord[]>()
  private closed = false

  /** `telemetry` traces each publish (a producer span whose context each event keeps). */
  constructor(store: EventStore, limits: EventLimits, target: PublishTarget, telemetry?: Telemetry) {
    this.store = store
    this.limits = limits
    this.target = target
    this.telemetry = telemetry
    this.groupCommit = new GroupCommit(store)
  }

  /** Appends `events` (all or nothing) and resolves with what was stored, in the same order. */
  async publish(events: readonly unknown[], options: PublishOptions = {}): Promise<StoredEvent[]> {
    if (this.closed) throw new BrokerClosedError()
    const drafts = events.map((event) => toDraft(event, this.limits))
    const { transaction } = options
    const write = (): Promise<EventRecord[]> =>
      transaction === undefined
        ? this.groupCommit.append(drafts)
        : this.store.append(drafts, { transaction }).catch((cause: unknown) => {
            throw publishFailure(cause, true)
          })
    const records = await (this.telemetry ? this.telemetry.publish(drafts, write) : write())
    return this.written(events, records, transaction)
  }

  /**
   * Appends `events` (all or nothing) inside the caller's open transaction and returns what was
   * stored before returning: for synchronous transactions (better-sqlite3's `db.transaction()`),
   * on a store with `appendSync`.
   */
  publishSync(events: readonly unknown[], options: { transaction: unknown }): StoredEvent[] {
    if (this.closed) throw new BrokerClosedError()
    const { appendSync } = this.store
    if (appendSync === undefined) {
      throw new TypeError('publishSync needs a store with a synchronous append (sqliteStore); use await publish() instead')
    }
    if (options?.transaction === undefined) throw new TypeError('publishSync needs { transaction }: publish() alone is async')
    const drafts = events.map((event) => toDraft(event, this.limits))
    const write = (): EventRecord[] => {
      try {
        return appendSync.call(this.store, drafts, { transaction: options.transaction })
      } catch (cause) {
        throw publishFailure(cause, true)
      }
    }
    const records = this.telemetry ? this.telemetry.publishSync(drafts, write) : write()
    return this.written(events, records, options.transaction)
  }

  /** Counts and hands over what a publish wrote, and returns it as the caller's events. */
  private written(events: readonly unknown[], records: EventRecord[], transaction: unknown): StoredEvent[] {
    this.published += records.length
    if (transaction === undefined) this.target.committed(records)
    else {
      const pending = typeof transaction === 'object' && transaction !== null ? this.open.get(transaction) : undefined
      // One by one, not push(...records): a spread of ~150k arguments overflows the stack.
      if (pending) for (const record of records) pending.push(record)
      else for (const { topic } of records) this.target.wake(topic)
    }
    return records.map((record, i) => ({
      id: record.id,
      topic: record.topic,
      type: record.type,
      payload: (events[i] as { payload: unknown }).payload,
      createdAt: record.createdAt,
    }))
  }

  /**
   * Runs `fn` in a transaction of `db` and, once it commits, hands over the events published in it
   * (with `{ transaction }`); none when it rolls back. Resolves with what `fn` resolved with.
   */
  async transaction<Transaction, Result>(
    db: TransactionRunner<Transaction>,
    fn: (transaction: Transaction) => Promise<Result>,
  ): Promise<Result> {
    if (this.closed) throw new BrokerClosedError()
    const written: EventRecord[] = []
    const result = await db.transaction().execute((transaction) => {
      if (typeof transaction === 'object' && transaction !== null) this.open.set(transaction, written)
      return fn(transaction)
    })
    this.target.committed(written)
    return result
  }

  /** Stops taking publishes; resolves once every publish in flight has been written or rejected. */
  close(): Promise<void> {
    this.closed = true
    return this.groupCommit.settled()
  }
}
