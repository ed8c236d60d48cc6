/**
 * The broker's own bound on every store call: whatever the store does (a custom adapter without
 * deadlines, a caller's pool the store cannot reach), no publish, poll, catch-up read or stream
 * start waits longer than `storeTimeoutMs`. A call past it rejects with `StoreTimeoutError` naming
 * the method, and the broker goes on (a poll is retried at the next wake-up or backstop tick); what
 * the call does later is ignored. The bundled stores' own deadlines are shorter and also destroy
 * the connection that hung, so this bound is the second line. Every call's outcome (a method
 * that throws at once included) is reported to the broker's {@link StoreHealth}.
 * @module
 */
import { Deadline } from './deadline.js'
import { StoreTimeoutError } from './errors.js'
import type { EventDraft, EventRecord } from './event.js'
import type { EventStore, StoreSnapshot } from './store.js'
import type { StoreHealth } from './store-health.js'

/**
 * A view of `store` whose awaited methods reject with `StoreTimeoutError` after `timeoutMs` and
 * report how they ended to `health`; every other member of `EventStore` is passed through (keep
 * this in step with `store.ts`).
 */
export function boundedStore(store: EventStore, timeoutMs: number, health: StoreHealth): EventStore {
  const { changedTopics, onWake, onCommitted, relayRole, readStatus, snapshot, positionOf, wakeStatus, appendSync } = store
  const deadline = new Deadline(timeoutMs)
  const within = <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    let promise: Promise<T>
    try {
      promise = deadline.within(call(), () => new StoreTimeoutError(operation, timeoutMs))
    } catch (error) {
      promise = Promise.reject(error) // a store method that threw instead of rejecting
    }
    return promise.then(
      (value) => {
        health.succeeded(operation)
        return value
      },
      (error: unknown) => {
        health.failed(operation, error)
        throw error
      },
    )
  }
  return {
    append: (drafts, options) => within('append', () => store.append(drafts, options)),
    readAfter: (cursors, limit) => within('readAfter', () => store.readAfter(cursors, limit)),
    heads: (topics) => within('heads', () => store.heads(topics)),
    checkResume: (topic, id) => within('checkResume', () => store.checkResume(topic, id)),
    deleteBefore: (date) => within('deleteBefore', () => store.deleteBefore(date)),
    isValidId: (id) => store.isValidId(id),
    close: () => store.close(),
    ...(changedTopics && {
      changedTopics: (token: string | undefined) => within('changedTopics', () => changedTopics.call(store, token)),
    }),
    ...(onWake && { onWake: (listener: (topic?: string) => void) => onWake.call(store, listener) }),
    ...(wakeStatus && { wakeStatus: () => wakeStatus.call(store) }),
    ...(onCommitted && {
      onCommitted: (listener: (records: readonly EventRecord[]) => void) => onCommitted.call(store, listener),
    }),
    ...(relayRole && { relayRole: () => relayRole.call(store) }),
    ...(readStatus && { readStatus: () => readStatus.call(store) }),
    ...(positionOf && { positionOf: (id: string) => positionOf.call(store, id) }),
    // Synchronous: nothing to wait for, so no deadline (the SQLite store's lock wait is local).
    ...(appendSync && {
      appendSync: (drafts: readonly EventDraft[], options: { transaction: unknown }) => appendSync.call(store, drafts, options),
    }),
    ...(snapshot && {
      snapshot: <State>(topics: readonly string[], read: (transaction: any) => Promise<State>) =>
        within('snapshot', () => snapshot.call(store, topics, read) as Promise<StoreSnapshot<State>>),
    }),
  }
}
