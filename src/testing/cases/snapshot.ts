/**
 * Conformance cases of `snapshot`: it answers what `read` returned with the topics' heads of the
 * moment, and a `read` that throws rejects it without harming the store.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventStore } from '../../store.js'
import { drafts, rejection } from '../case-helpers.js'
import type { EventStoreCase } from '../types.js'

/** The store's `snapshot`, asserted to exist. */
function snapshotOf(store: EventStore): NonNullable<EventStore['snapshot']> {
  assert.equal(typeof store.snapshot, 'function', 'a store declaring "snapshot" must implement snapshot')
  return (store.snapshot as NonNullable<EventStore['snapshot']>).bind(store)
}

/** The `snapshot` cases. */
export const snapshotCases: readonly EventStoreCase[] = [
  {
    id: 'snapshot-returns-state-and-heads',
    title: "snapshot returns what read returned, with every asked topic's head (a start id when it has no events)",
    requires: ['snapshot'],
    async run({ store, topic }) {
      const snapshot = snapshotOf(store)
      const [a, b, empty] = [topic('a'), topic('b'), topic('empty')]
      await store.append([...drafts(a, 3), ...drafts(b, 1)])
      let transaction: unknown
      const answer = await snapshot([a, b, empty], async (trx) => {
        transaction = trx
        return 'state'
      })
      assert.equal(answer.state, 'state', 'snapshot must return what read returned')
      assert.ok(transaction !== undefined && transaction !== null, 'read must receive a transaction')
      assert.deepEqual(answer.heads, await store.heads([a, b, empty]), "the snapshot's heads are the heads of the moment")
      await store.append(drafts(a, 1, 3))
      const later = await snapshot([a], async () => undefined)
      assert.notEqual(later.heads.get(a), answer.heads.get(a), 'a later snapshot sees the later append')
    },
  },
  {
    id: 'snapshot-read-error-rejects',
    title: 'a read that throws rejects snapshot with its error, and the store keeps working',
    requires: ['snapshot'],
    async run({ store, topic }) {
      const snapshot = snapshotOf(store)
      const a = topic('a')
      const marker = new Error('read failed on purpose')
      const error = await rejection(
        snapshot([a], async () => {
          throw marker
        }),
        'snapshot must reject when read throws',
      )
      assert.equal(error, marker, 'snapshot must reject with the error of read')
      const [record] = await store.append(drafts(a, 1))
      assert.equal((await snapshot([a], async () => 1)).heads.get(a), record?.id, 'the store works after a failed read')
    },
  },
]
