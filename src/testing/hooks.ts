/**
 * Access to the fixture hooks that capabilities need, with a clear error when one is missing.
 * @module
 */
import type { EventDraft } from '../event.js'
import type { EventStoreFixture, StoreHandle } from './types.js'

/** Thrown when a store declares a capability but its fixture lacks the hook the capability needs. */
function missing(hook: string, capability: string): never {
  throw new TypeError(`the fixture declares "${capability}" but has no ${hook}(); add it to what makeStore returns`)
}

/** The fixture's `withTransaction`, bound. */
export function withTransactionOf(fixture: EventStoreFixture): <T>(body: (transaction: unknown) => Promise<T>) => Promise<T> {
  if (typeof fixture.withTransaction !== 'function') missing('withTransaction', 'transactions')
  return <T>(body: (transaction: unknown) => Promise<T>) =>
    (fixture as Required<Pick<EventStoreFixture, 'withTransaction'>>).withTransaction(body)
}

/** A second store on another database, from the fixture's `makeForeignStore`. */
export function makeForeignStoreOf(fixture: EventStoreFixture): () => Promise<StoreHandle> {
  const hook = fixture.makeForeignStore
  if (typeof hook !== 'function') missing('makeForeignStore', 'foreign-ids')
  return () => hook.call(fixture)
}

/** Another store on the same database, from the fixture's `makePeerStore`. */
export function makePeerStoreOf(fixture: EventStoreFixture): () => Promise<StoreHandle> {
  const hook = fixture.makePeerStore
  if (typeof hook !== 'function') missing('makePeerStore', 'shared')
  return () => hook.call(fixture)
}

/** A draft of `topic` the database refuses: the fixture's, or one whose `data` is `null`. */
export function unwritableDraftOf(fixture: EventStoreFixture, topic: string): EventDraft {
  return fixture.unwritableDraft?.(topic) ?? { topic, type: 'unwritable', data: null as unknown as string }
}

/** Releases a store handle: its `dispose()`, or else `store.close()`. */
export function disposeHandle(handle: StoreHandle): Promise<void> {
  return handle.dispose ? handle.dispose() : handle.store.close()
}
