/**
 * Conformance cases of `onWake`: a commit wakes listeners, and an unsubscribed listener stays quiet.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventStore, Unsubscribe } from '../../store.js'
import { drafts, nextTurn, wakeRecorder } from '../case-helpers.js'
import { disposeHandle, makePeerStoreOf } from '../hooks.js'
import type { CaseContext, EventStoreCase } from '../types.js'

/** The store's `onWake`, asserted to exist. */
function onWakeOf(store: EventStore): (listener: (topic?: string) => void) => Unsubscribe {
  assert.equal(typeof store.onWake, 'function', 'a store declaring "wake" must implement onWake')
  return (listener) => (store.onWake as NonNullable<EventStore['onWake']>)(listener)
}

/** Subscribes `listener` and unsubscribes after the case. */
function subscribe(context: CaseContext, listener: (topic?: string) => void): Unsubscribe {
  const unsubscribe = onWakeOf(context.store)(listener)
  assert.equal(typeof unsubscribe, 'function', 'onWake must return an unsubscribe function')
  context.defer(unsubscribe)
  return unsubscribe
}

/** The `onWake` cases. */
export const wakeCases: readonly EventStoreCase[] = [
  {
    id: 'wake-after-append',
    title: 'a listener registered with onWake is called after an append through the store commits',
    requires: ['wake'],
    async run(context) {
      const { store, topic, waitMs } = context
      const wakes = wakeRecorder()
      subscribe(context, wakes.listener)
      const before = wakes.calls
      await store.append(drafts(topic('a'), 1))
      await wakes.next(before, waitMs, 'onWake after an append')
    },
  },
  {
    id: 'wake-unsubscribe-stops',
    title: 'after its unsubscribe, a listener is not called, while another one still is',
    requires: ['wake'],
    async run(context) {
      const { store, topic, waitMs } = context
      const gone = wakeRecorder()
      const stays = wakeRecorder()
      const unsubscribe = subscribe(context, gone.listener)
      subscribe(context, stays.listener)
      unsubscribe()
      unsubscribe() // twice is harmless
      const goneBefore = gone.calls
      const staysBefore = stays.calls
      await store.append(drafts(topic('a'), 1))
      await stays.next(staysBefore, waitMs, 'onWake of the remaining listener')
      await nextTurn()
      assert.equal(gone.calls, goneBefore, 'an unsubscribed listener must not be called')
    },
  },
  {
    id: 'wake-after-peer-append',
    title: 'a listener is called after another instance on the same database (another process) appends',
    requires: ['wake', 'shared'],
    async run(context) {
      const { topic, waitMs } = context
      const wakes = wakeRecorder()
      subscribe(context, wakes.listener)
      const peer = await makePeerStoreOf(context.fixture)()
      context.defer(() => disposeHandle(peer))
      const before = wakes.calls
      await peer.store.append(drafts(topic('a'), 1))
      await wakes.next(before, waitMs, 'onWake after another instance appended')
    },
  },
]
