/**
 * Conformance cases of `heads`: a topic's start id, and its last event's id.
 * @module
 */
import assert from 'node:assert/strict'
import { assertSameRecords, drafts, headOf, readAll } from '../case-helpers.js'
import type { EventStoreCase } from '../types.js'

/** The `heads` cases. */
export const headsCases: readonly EventStoreCase[] = [
  {
    id: 'heads-of-empty-topic-is-start-id',
    title: 'a topic without events has a valid start id that stays before every event it will get, and resumes ok',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const start = await headOf(store, a)
      assert.ok(store.isValidId(start), `isValidId(start id ${JSON.stringify(start)}) must be true`)
      assert.deepEqual(await store.checkResume(a, start), { ok: true }, 'resuming from the start id of an empty topic')
      assert.deepEqual(await readAll(store, a, start), [], 'nothing after the start id yet')
      await store.append(drafts(topic('other'), 3))
      const records = await store.append(drafts(a, 3))
      assertSameRecords(await readAll(store, a, start), records, 'after the start id: every later event')
      assert.deepEqual(await store.checkResume(a, start), { ok: true }, 'resuming from the start id once events exist')
    },
  },
  {
    id: 'head-after-append',
    title: "heads answers for every asked topic in one call: the last event's id, or the start id",
    requires: [],
    async run({ store, topic }) {
      const [a, b, empty] = [topic('a'), topic('b'), topic('empty')]
      const starts = await store.heads([a, b, empty])
      assert.deepEqual([...starts.keys()].sort(), [a, b, empty].sort(), 'heads must hold each asked topic')
      assert.equal((await store.heads([])).size, 0, 'heads([]) is empty')
      const ofA = await store.append(drafts(a, 11))
      const ofB = await store.append(drafts(b, 2))
      const heads = await store.heads([a, b, empty])
      assert.equal(heads.get(a), ofA[10]?.id, 'head of a')
      assert.equal(heads.get(b), ofB[1]?.id, 'head of b')
      assert.equal(heads.get(empty), starts.get(empty), 'an empty topic keeps its start id')
      const [next] = await store.append(drafts(a, 1, 11))
      assert.equal(await headOf(store, a), next?.id, 'the head moves with the next append')
    },
  },
]
