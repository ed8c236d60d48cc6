/**
 * The broker's own bound on every store call: whatever the store does (a custom adapter without
 * deadlines, a caller's pool the store cannot reach), no publish, poll, catch-up read or stream
 * start waits longer than `storeTimeoutMs`. A call past it rejects with `StoreTimeoutError` naming
 * the method, and the broker goes on (a poll is retried at the next wake-up or backstop tick); what
 * the call does later is ignored. The bundled stores' own deadlines are shorter and also destroy
 * the connection that hung, so this bound is the second line.
 * @module
 */
import { withDeadline } from './deadline.js'
import { StoreTimeoutError } from './errors.js'
import type { EventStore, StoreSnapshot } from './store.js'

/** `promise`, or a `StoreTimeoutError` for `operation` once `timeoutMs` passed. */
const within = <T>(promise: Promise<T>, timeoutMs: number, operation: string): Promise<T> =>
  withDeadline(promise, timeoutMs, () => new StoreTimeoutError(operation, timeoutMs))

/**
 * A view of `store` whose awaited methods reject with `StoreTimeoutError` after `timeoutMs`; every
 * other member of `EventStore` is passed through (keep this in step with `store.ts`).
 */
export function boundedStore(store: EventStore, timeoutMs: number): EventStore {
  const { changedTopics, onWake, snapshot, positionOf } = store
  return {
    append: (drafts, options) => within(store.append(drafts, options), timeoutMs, 'append'),
    readAfter: (cursors, limit) => within(store.readAfter(cursors, limit), timeoutMs, 'readAfter'),
    heads: (topics) => within(store.heads(topics), timeoutMs, 'heads'),
    checkResume: (topic, id) => within(store.checkResume(topic, id), timeoutMs, 'checkResume'),
    deleteBefore: (date) => within(store.deleteBefore(date), timeoutMs, 'deleteBefore'),
    isValidId: (id) => store.isValidId(id),
    close: () => store.close(),
    ...(changedTopics && {
      changedTopics: (token: string | undefined) => within(changedTopics.call(store, token), timeoutMs, 'changedTopics'),
    }),
    ...(onWake && { onWake: (listener: (topic?: string) => void) => onWake.call(store, listener) }),
    ...(positionOf && { positionOf: (id: string) => positionOf.call(store, id) }),
    ...(snapshot && {
      snapshot: <State>(topics: readonly string[], read: (transaction: any) => Promise<State>) =>
        within(snapshot.call(store, topics, read) as Promise<StoreSnapshot<State>>, timeoutMs, 'snapshot'),
    }),
  }
}
