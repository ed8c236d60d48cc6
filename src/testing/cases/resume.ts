/**
 * Conformance cases of `checkResume`: ok after the store's own ids, and a reset (`ahead`,
 * `foreign`, `pruned`) exactly when reading after the id could not yield what came after it.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventRecord } from '../../event.js'
import { assertSameRecords, drafts, headOf, idsOf, latestTime, readAll, rejection, tickStoreClock } from '../case-helpers.js'
import { disposeHandle, makeForeignStoreOf, withTransactionOf } from '../hooks.js'
import type { EventStoreCase } from '../types.js'

const OK = { ok: true } as const

/** The `checkResume` cases. */
export const resumeCases: readonly EventStoreCase[] = [
  {
    id: 'resume-ok-after-own-ids',
    title: 'checkResume is ok for the start id, every id the store issued, and the head',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const start = await headOf(store, a)
      const records = [...(await store.append(drafts(a, 4))), ...(await store.append(drafts(a, 8, 4)))]
      for (const id of [start, ...idsOf(records), await headOf(store, a)]) {
        assert.deepEqual(await store.checkResume(a, id), OK, `checkResume(${JSON.stringify(id)})`)
      }
    },
  },
  {
    id: 'resume-ahead',
    title: "an id beyond the topic's head (handed out in a transaction that rolled back) is not ok: reason 'ahead'",
    requires: ['transactions'],
    async run({ store, fixture, topic }) {
      const withTransaction = withTransactionOf(fixture)
      const a = topic('a')
      const committed = await store.append(drafts(a, 2))
      const marker = new Error('roll back on purpose')
      let rolledBack: EventRecord[] = []
      const error = await rejection(
        withTransaction(async (transaction) => {
          rolledBack = await store.append(drafts(a, 2, 2), { transaction })
          throw marker
        }),
        'withTransaction must reject when its body throws',
      )
      assert.equal(error, marker, 'withTransaction must reject with the error of its body')
      assert.equal(rolledBack.length, 2, 'append in the transaction returned its records')
      for (const record of rolledBack) {
        assert.ok(store.isValidId(record.id), `isValidId(${record.id})`)
        assert.deepEqual(
          await store.checkResume(a, record.id),
          { ok: false, reason: 'ahead' },
          `checkResume(${record.id}) after rollback`,
        )
      }
      assert.deepEqual(await store.checkResume(a, (committed[1] as EventRecord).id), OK, 'the committed head still resumes')
    },
  },
  {
    id: 'resume-foreign-epoch',
    title: "ids of another database (another epoch) are valid but not ok: reason 'foreign', even where the positions exist",
    requires: ['foreign-ids'],
    async run({ store, fixture, topic, defer }) {
      const foreign = await makeForeignStoreOf(fixture)()
      defer(() => disposeHandle(foreign))
      const a = topic('a')
      const ours = await store.append(drafts(a, 6))
      const theirStart = await headOf(foreign.store, a)
      const theirs = await foreign.store.append(drafts(a, 3))
      assert.notEqual(theirs[0]?.id, ours[0]?.id, 'makeForeignStore must make a store on another database: its ids must differ')
      for (const id of [theirStart, ...idsOf(theirs)]) {
        assert.ok(store.isValidId(id), `isValidId(${JSON.stringify(id)}) of a store of the same kind`)
        assert.deepEqual(
          await store.checkResume(a, id),
          { ok: false, reason: 'foreign' },
          `checkResume(${JSON.stringify(id)}) from another database`,
        )
      }
      assert.deepEqual(
        await foreign.store.checkResume(a, (ours[0] as EventRecord).id),
        { ok: false, reason: 'foreign' },
        'and the other way round',
      )
      assert.deepEqual(await store.checkResume(a, (ours[5] as EventRecord).id), OK, 'our own ids still resume')
    },
  },
  {
    id: 'resume-pruned-after-delete',
    title: "after deleteBefore, ids whose successors were deleted are not ok (reason 'pruned'); the last deleted id is ok",
    requires: [],
    async run({ store, topic, waitMs }) {
      const a = topic('a')
      const start = await headOf(store, a)
      const old = await store.append(drafts(a, 3))
      const probes = await tickStoreClock(store, topic('clock'), latestTime(old), waitMs)
      const cutoff = new Date((probes[probes.length - 1] as EventRecord).createdAt)
      const fresh = await store.append(drafts(a, 2, 3))
      assert.ok(latestTime(fresh) >= cutoff.getTime(), "the store's clock went backwards")
      await store.deleteBefore(cutoff)
      const pruned = { ok: false, reason: 'pruned' }
      assert.deepEqual(await store.checkResume(a, start), pruned, 'the start id: the first events are gone')
      assert.deepEqual(await store.checkResume(a, (old[0] as EventRecord).id), pruned, 'the first deleted id')
      assert.deepEqual(await store.checkResume(a, (old[1] as EventRecord).id), pruned, 'the second deleted id')
      assert.deepEqual(
        await store.checkResume(a, (old[2] as EventRecord).id),
        OK,
        'the last deleted id: everything after it is still there',
      )
      assert.deepEqual(await store.checkResume(a, (fresh[0] as EventRecord).id), OK, 'a kept id')
      assertSameRecords(await readAll(store, a, (old[2] as EventRecord).id), fresh, 'after the last deleted id: the kept events')
    },
  },
]
