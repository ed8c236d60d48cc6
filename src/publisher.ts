/**
 * Publishing: every event is validated before anything is written (a bad one rejects the whole
 * call with a typed error), appended through group commit (or inside the caller's transaction),
 * and its topic woken in the poller, which delivers it once it is committed.
 * @module
 */
import { BrokerClosedError, publishFailure } from './errors.js'
import { type EventLimits, type StoredEvent, toDraft } from './event.js'
import { GroupCommit } from './group-commit.js'
import type { Poller } from './poller.js'
import type { EventStore } from './store.js'

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
  private readonly poller: Poller
  private readonly groupCommit: GroupCommit
  private closed = false

  constructor(store: EventStore, limits: EventLimits, poller: Poller) {
    this.store = store
    this.limits = limits
    this.poller = poller
    this.groupCommit = new GroupCommit(store)
  }

  /** Appends `events` (all or nothing) and resolves with what was stored, in the same order. */
  async publish(events: readonly unknown[], options: PublishOptions = {}): Promise<StoredEvent[]> {
    if (this.closed) throw new BrokerClosedError()
    const drafts = events.map((event) => toDraft(event, this.limits))
    const records =
      options.transaction === undefined
        ? await this.groupCommit.append(drafts)
        : await this.store.append(drafts, { transaction: options.transaction }).catch((cause: unknown) => {
            throw publishFailure(cause, true)
          })
    this.published += records.length
    for (const { topic } of records) this.poller.wake(topic)
    return records.map((record, i) => ({
      id: record.id,
      topic: record.topic,
      type: record.type,
      payload: (events[i] as { payload: unknown }).payload,
      createdAt: record.createdAt,
    }))
  }

  /** Stops taking publishes; resolves once every publish in flight has been written or rejected. */
  close(): Promise<void> {
    this.closed = true
    return this.groupCommit.settled()
  }
}
