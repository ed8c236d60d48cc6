/**
 * Group commit: concurrent `publish()` calls made outside a caller's transaction share one
 * store append (one transaction, one multi-row insert). The first call waits one turn of the
 * event loop, so calls made in the same turn join it (this matters for synchronous drivers such
 * as better-sqlite3, which finish an append before anyone else can call); calls that arrive while
 * an append is in flight are written together right after it. Each append tells the store when its
 * oldest call arrived (`waitingSince`), so a store's lock timeout bounds the whole wait of every
 * call, not only the time since the append started.
 * @module
 */

import { publishFailure } from './errors.js'
import type { EventDraft, EventRecord } from './event.js'
import type { EventStore } from './store.js'

interface PendingCall {
  drafts: readonly EventDraft[]
  /** `performance.now()` when the call arrived. */
  since: number
  resolve: (records: EventRecord[]) => void
  reject: (error: unknown) => void
}

/** Batches concurrent appends into single store calls. */
export class GroupCommit {
  private pending: PendingCall[] = []
  private flushing: Promise<void> | undefined
  private readonly store: EventStore

  constructor(store: EventStore) {
    this.store = store
  }

  /** Appends `drafts` together with any other calls in flight; resolves with this call's records. */
  append(drafts: readonly EventDraft[]): Promise<EventRecord[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ drafts, since: performance.now(), resolve, reject })
      this.flushing ??= this.flush()
    })
  }

  /** Resolves once every call made so far has been written or rejected. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing
  }

  private async flush(): Promise<void> {
    try {
      await new Promise((resolve) => setImmediate(resolve))
      while (this.pending.length > 0) {
        const calls = this.pending
        this.pending = []
        await this.write(calls)
      }
    } finally {
      this.flushing = undefined
    }
  }

  private async write(calls: PendingCall[]): Promise<void> {
    const oldest = calls[0] as PendingCall
    const drafts = calls.length === 1 ? oldest.drafts : calls.flatMap((call) => call.drafts)
    let records: EventRecord[]
    try {
      records = await this.store.append(drafts, { waitingSince: oldest.since })
    } catch (cause) {
      const error = publishFailure(cause, false)
      for (const call of calls) call.reject(error)
      return
    }
    let offset = 0
    for (const call of calls) {
      call.resolve(records.slice(offset, offset + call.drafts.length))
      offset += call.drafts.length
    }
  }
}
