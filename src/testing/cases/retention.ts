/**
 * Conformance cases of `deleteBefore`: what it deletes, what it counts, and that a topic's
 * positions survive it (ids are never handed out twice).
 * @module
 */
import assert from 'node:assert/strict'
import type { EventRecord } from '../../event.js'
import { assertSameRecords, drafts, headOf, idsOf, latestTime, readAll, tickStoreClock } from '../case-helpers.js'
import type { EventStoreCase } from '../types.js'

/** The `deleteBefore` cases. */
export const retentionCases: readonly EventStoreCase[] = [
  {
    id: 'delete-before-counts-and-keeps-newer',
    title: 'deleteBefore(date) deletes exactly the events created before date, in every topic, and returns how many',
    requires: [],
    async run({ store, topic, waitMs }) {
      const [a, b, clock] = [topic('a'), topic('b'), topic('clock')]
      const starts = await store.heads([a, b, clock])
      const oldA = await store.append(drafts(a, 3))
      const oldB = await store.append(drafts(b, 2))
      const early = new Date(Math.min(...[...oldA, ...oldB].map((record) => Date.parse(record.createdAt))) - 3_600_000)
      assert.equal(await store.deleteBefore(early), 0, 'nothing is older than an hour before the first event')
      const probes = await tickStoreClock(store, clock, latestTime([...oldA, ...oldB]), waitMs)
      const last = probes[probes.length - 1] as EventRecord
      const cutoff = new Date(last.createdAt)
      const newA = await store.append(drafts(a, 2, 3))
      const newB = await store.append(drafts(b, 1, 2))
      assert.ok(
        Math.min(...[...newA, ...newB].map((record) => Date.parse(record.createdAt))) >= cutoff.getTime(),
        "the store's clock went backwards",
      )
      const expected = oldA.length + oldB.length + probes.length - 1
      assert.equal(await store.deleteBefore(cutoff), expected, 'deleteBefore returns the number of events it deleted')
      assertSameRecords(await readAll(store, a, starts.get(a) as string), newA, 'topic a keeps its newer events')
      assertSameRecords(await readAll(store, b, starts.get(b) as string), newB, 'topic b keeps its newer events')
      assertSameRecords(
        await readAll(store, clock, starts.get(clock) as string),
        [last],
        'an event created exactly at the cutoff is kept',
      )
      assert.equal(await store.deleteBefore(cutoff), 0, 'a second deleteBefore with the same date deletes nothing')
    },
  },
  {
    id: 'delete-keeps-head',
    title: "deleting all of a topic's events keeps its head; the next events get new ids and read after the old ones",
    requires: [],
    async run({ store, topic, waitMs }) {
      const a = topic('a')
      const old = await store.append(drafts(a, 3))
      const last = old[2] as EventRecord
      const probes = await tickStoreClock(store, topic('clock'), latestTime(old), waitMs)
      assert.ok((await store.deleteBefore(new Date((probes[probes.length - 1] as EventRecord).createdAt))) >= old.length)
      assert.equal(await headOf(store, a), last.id, 'the head stays at the last deleted event')
      assert.deepEqual(await readAll(store, a, last.id), [], 'nothing after the old head yet')
      const fresh = await store.append(drafts(a, 2, 3))
      for (const id of idsOf(fresh)) assert.ok(!idsOf(old).includes(id), `id ${id} was handed out before`)
      assertSameRecords(await readAll(store, a, last.id), fresh, 'new events read after the old head')
      assert.equal(await headOf(store, a), fresh[1]?.id, 'the head moves on')
    },
  },
]
