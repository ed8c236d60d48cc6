/**
 * The broker's own bound on every store call: whatever the store does (a custom adapter without
 * deadlines, a caller's pool the store cannot reach), no publish, poll, catch-up read or stream
 * start waits longer than `storeTimeoutMs`. A call past it rejects with `StoreTimeoutError` naming
 * the method, and the broker goes on (a poll is retried at the next wake-up or backstop tick); what
 * the call does later is ignored. The bundled stores' own deadlines are shorter and also destroy
 * the connection that hung, so this bound is the second line.
 * @module
 */
import { StoreTimeoutError } from './errors.js'
import type { EventStore, StoreSnapshot } from './store.js'

/** `promise`, or a `StoreTimeoutError` for `operation` once `timeoutMs` passed. */
function within<T>(promise: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeoutError(operation, timeoutMs)), timeoutMs)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** A view of `store` whose awaited methods reject with `StoreTimeoutError` after `timeoutMs`. */
export function boundedStore(store: EventStore, timeoutMs: number): EventStore {
  const { changedTopics, onWake, snapshot } = store
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
    ...(snapshot && {
      snapshot: <State>(topics: readonly string[], read: (transaction: any) => Promise<State>) =>
        within(snapshot.call(store, topics, read) as Promise<StoreSnapshot<State>>, timeoutMs, 'snapshot'),
    }),
  }
}
