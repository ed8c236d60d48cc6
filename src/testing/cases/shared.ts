/**
 * Conformance cases of several store instances on one database, as several app processes open
 * it: they read one log, hand out ids that never collide, and a reader misses nothing while both
 * write.
 * @module
 */
import assert from 'node:assert/strict'
import { assertSameRecords, drafts, headOf, readAll } from '../case-helpers.js'
import { disposeHandle, makePeerStoreOf } from '../hooks.js'
import type { CaseContext, EventStoreCase, StoreHandle } from '../types.js'
import { assertTailedEverything, runWriters, tail } from '../workload.js'

/** A peer store on the same database, disposed after the case. */
async function peerOf(context: CaseContext): Promise<StoreHandle> {
  const peer = await makePeerStoreOf(context.fixture)()
  context.defer(() => disposeHandle(peer))
  return peer
}

/** The cases of several instances on one database. */
export const sharedCases: readonly EventStoreCase[] = [
  {
    id: 'peer-reads-same-log',
    title: "two instances on one database read the same log, agree on heads, and resume from each other's ids",
    requires: ['shared'],
    async run(context) {
      const { store, topic } = context
      const peer = (await peerOf(context)).store
      const a = topic('a')
      const start = await headOf(store, a)
      assert.equal(await headOf(peer, a), start, 'both instances give the same start id')
      const records = [
        ...(await store.append(drafts(a, 2))),
        ...(await peer.append(drafts(a, 2, 2))),
        ...(await store.append(drafts(a, 1, 4))),
      ]
      assertSameRecords(await readAll(store, a, start), records, 'read through the first instance')
      assertSameRecords(await readAll(peer, a, start), records, 'read through the peer')
      assert.equal(await headOf(store, a), records[4]?.id, 'head through the first instance')
      assert.equal(await headOf(peer, a), records[4]?.id, 'head through the peer')
      for (const record of records) {
        assert.deepEqual(await store.checkResume(a, record.id), { ok: true }, `${record.id} resumes in the first instance`)
        assert.deepEqual(await peer.checkResume(a, record.id), { ok: true }, `${record.id} resumes in the peer`)
      }
    },
  },
  {
    id: 'no-skipped-commit-across-stores',
    title: "writers on two instances append at once; a reader tailing one instance collects each topic's whole log",
    requires: ['shared'],
    async run(context) {
      const { store, topic } = context
      const peer = (await peerOf(context)).store
      const topics = [topic('a'), topic('b')] as const
      const starts = await store.heads(topics)
      const writing = runWriters(topics, 6, 20, (batch, writer) => (writer % 2 === 0 ? store : peer).append(batch))
      const collected = await tail(store, starts, writing)
      await assertTailedEverything(store, collected, starts)
    },
  },
]
