/**
 * The broker's own bound on every store call: whatever the store does (a custom adapter without
 * deadlines, a caller's pool the store cannot reach), no publish, poll, catch-up read or stream
 * start waits longer than `storeTimeoutMs`. A call past it rejects with `StoreTimeoutError` naming
 * the method, and the broker goes on (a poll is retried at the next wake-up or backstop tick); what
 * the call does later is ignored. The bundled stores' own deadlines are shorter and also destroy
 * the connection that hung, so this bound is the second line.
 * @module
 */
import { Deadline } from './deadline.js'
import { StoreTimeoutError } from './errors.js'
import type { EventRecord } from './event.js'
import type { EventStore, StoreSnapshot } from './store.js'

/**
 * A view of `store` whose awaited methods reject with `StoreTimeoutError` after `timeoutMs`; every
 * other member of `EventStore` is passed through (keep this in step with `store.ts`).
 */
export function boundedStore(store: EventStore, timeoutMs: number): EventStore {
  const { changedTopics, onWake, onCommitted, relayRole, snapshot, positionOf } = store
  const deadline = new Deadline(timeoutMs)
  const within = <T>(promise: Promise<T>, operation: string): Promise<T> =>
    deadline.within(promise, () => new StoreTimeoutError(operation, timeoutMs))
  return {
    append: (drafts, options) => within(store.append(drafts, options), 'append'),
    readAfter: (cursors, limit) => within(store.readAfter(cursors, limit), 'readAfter'),
    heads: (topics) => within(store.heads(topics), 'heads'),
    checkResume: (topic, id) => within(store.checkResume(topic, id), 'checkResume'),
    deleteBefore: (date) => within(store.deleteBefore(date), 'deleteBefore'),
    isValidId: (id) => store.isValidId(id),
    close: () => store.close(),
    ...(changedTopics && {
      changedTopics: (token: string | undefined) => within(changedTopics.call(store, token), 'changedTopics'),
    }),
    ...(onWake && { onWake: (listener: (topic?: string) => void) => onWake.call(store, listener) }),
    ...(onCommitted && {
      onCommitted: (listener: (records: readonly EventRecord[]) => void) => onCommitted.call(store, listener),
    }),
    ...(relayRole && { relayRole: () => relayRole.call(store) }),
    ...(positionOf && { positionOf: (id: string) => positionOf.call(store, id) }),
    ...(snapshot && {
      snapshot: <State>(topics: readonly string[], read: (transaction: any) => Promise<State>) =>
        within(snapshot.call(store, topics, read) as Promise<StoreSnapshot<State>>, 'snapshot'),
    }),
  }
}
