/**
 * Conformance cases of `readAfter`: strictly after the cursor, oldest first, at most `limit` per
 * topic, many topics with their own cursors in one call, topics independent of each other.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventRecord } from '../../event.js'
import { assertSameRecords, draft, drafts, headOf, idsOf, readAll, readOne } from '../case-helpers.js'
import type { EventStoreCase } from '../types.js'

/** The `readAfter` cases. */
export const readCases: readonly EventStoreCase[] = [
  {
    id: 'read-after-is-strictly-after',
    title: 'readAfter(id) returns exactly the events after id, oldest first (12 events, so ids compared as text fail)',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const start = await headOf(store, a)
      const records = [...(await store.append(drafts(a, 5))), ...(await store.append(drafts(a, 7, 5)))]
      assertSameRecords(await readOne(store, a, start, 100), records, 'after the start id: every event')
      for (const [i, record] of records.entries()) {
        assertSameRecords(await readOne(store, a, record.id, 100), records.slice(i + 1), `after event #${i + 1} (${record.id})`)
      }
    },
  },
  {
    id: 'read-limit',
    title: 'readAfter returns at most `limit` events, the oldest ones, and paging by the last id returns each once',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const start = await headOf(store, a)
      const records = await store.append(drafts(a, 12))
      assertSameRecords(await readOne(store, a, start, 1), records.slice(0, 1), 'limit 1')
      assertSameRecords(await readOne(store, a, start, 5), records.slice(0, 5), 'limit 5')
      assertSameRecords(await readOne(store, a, (records[6] as EventRecord).id, 3), records.slice(7, 10), 'limit 3 after #7')
      assertSameRecords(await readOne(store, a, start, 500), records, 'a limit above the count')
      const pages: string[][] = []
      let cursor = start
      for (let page = await readOne(store, a, cursor, 5); page.length > 0; page = await readOne(store, a, cursor, 5)) {
        pages.push(idsOf(page))
        cursor = (page[page.length - 1] as EventRecord).id
        assert.ok(pages.length <= 3, 'paging 12 events by 5 must end after 3 pages')
      }
      assert.deepEqual(pages, [idsOf(records.slice(0, 5)), idsOf(records.slice(5, 10)), idsOf(records.slice(10))], 'pages of 5')
    },
  },
  {
    id: 'read-many-topics-one-call',
    title: 'one readAfter call reads many topics, each after its own cursor, with the limit applied per topic',
    requires: [],
    async run({ store, topic }) {
      const [a, b, c, d] = [topic('a'), topic('b'), topic('c'), topic('never')]
      const starts = await store.heads([a, b, c, d])
      const ofA = await store.append(drafts(a, 12))
      const ofB = await store.append(drafts(b, 12))
      const ofC = await store.append(drafts(c, 2))
      const start = (name: string): string => starts.get(name) as string
      const result = await store.readAfter(
        [
          { topic: a, after: (ofA[8] as EventRecord).id },
          { topic: b, after: start(b) },
          { topic: c, after: (ofC[1] as EventRecord).id },
          { topic: d, after: start(d) },
        ],
        4,
      )
      assertSameRecords(result.get(a) ?? [], ofA.slice(9, 12), 'topic a after its 9th event (3 left, under the limit)')
      assertSameRecords(result.get(b) ?? [], ofB.slice(0, 4), 'topic b from its start (limit 4 per topic, not in total)')
      assert.deepEqual(result.get(c) ?? [], [], 'topic c is read up to its head: nothing')
      assert.deepEqual(result.get(d) ?? [], [], 'a topic without events: nothing')
      for (const key of result.keys()) assert.ok([a, b, c, d].includes(key), `readAfter answered for an unasked topic ${key}`)
    },
  },
  {
    id: 'topics-are-independent',
    title: "interleaved appends to several topics: each topic reads back exactly its own events, and heads don't mix",
    requires: [],
    async run({ store, topic }) {
      const names = [topic('a'), topic('b'), topic('c')]
      const starts = await store.heads(names)
      const written = new Map<string, EventRecord[]>(names.map((name) => [name, []]))
      for (let round = 0; round < 6; round++) {
        const batch = round % 2 === 0 ? names.map((name) => draft(name, round)) : [draft(names[round % 3] as string, round)]
        for (const record of await store.append(batch)) written.get(record.topic)?.push(record)
      }
      const heads = await store.heads(names)
      for (const name of names) {
        const own = written.get(name) as EventRecord[]
        assertSameRecords(await readAll(store, name, starts.get(name) as string, 2), own, `topic ${name}`)
        assert.equal(heads.get(name), own[own.length - 1]?.id, `head of ${name}`)
      }
    },
  },
]
