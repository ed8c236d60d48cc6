/**
 * Conformance cases of `append`: records in order, exact data, exact topics.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventDraft, EventRecord } from '../../event.js'
import { assertSameRecords, draftOf, drafts, headOf, idsOf, readAll } from '../case-helpers.js'
import type { EventStoreCase } from '../types.js'

/** The `append` cases. */
export const appendCases: readonly EventStoreCase[] = [
  {
    id: 'append-returns-records-in-order',
    title: 'append returns one record per draft in the given order, and readAfter returns the same records',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const b = topic('b')
      const start = await headOf(store, a)
      const startB = await headOf(store, b)
      const given: EventDraft[] = [...drafts(a, 3), ...drafts(b, 2), ...drafts(a, 9, 3)]
      const records = await store.append(given)
      assert.equal(records.length, given.length, 'append must return one record per draft')
      assert.deepEqual(records.map(draftOf), given, 'records must carry the drafts, in the given order')
      for (const record of records) {
        assert.equal(typeof record.id, 'string', 'every record has a string id')
        assert.equal(
          new Date(record.createdAt).toISOString(),
          record.createdAt,
          `createdAt must be ISO 8601 (toISOString()), got ${JSON.stringify(record.createdAt)}`,
        )
      }
      const ofA = records.filter((record) => record.topic === a)
      assert.equal(new Set(idsOf(ofA)).size, ofA.length, 'ids within a topic must be unique')
      assertSameRecords(
        await readAll(store, a, start),
        ofA,
        'readAfter must return the appended records of the topic, oldest first',
      )
      assertSameRecords(
        await readAll(store, b, startB),
        records.filter((record) => record.topic === b),
        'readAfter of the second topic',
      )
      const more = await store.append(drafts(a, 2, 12))
      assertSameRecords(await readAll(store, a, start), [...ofA, ...more], 'a later append follows the earlier one')
    },
  },
  {
    id: 'append-empty-writes-nothing',
    title: 'append([]) returns [] and writes nothing',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const start = await headOf(store, a)
      assert.deepEqual(await store.append([]), [])
      assert.equal(await headOf(store, a), start, 'the head must not move')
      const [first] = await store.append(drafts(a, 1))
      assert.deepEqual(idsOf(await readAll(store, a, start)), [first?.id], 'only the real append is readable')
    },
  },
  {
    id: 'data-round-trips-exactly',
    title: 'data and type come back byte for byte: Unicode, escapes, spacing, and a 64 KiB payload',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const start = await headOf(store, a)
      const given: EventDraft[] = [
        { topic: a, type: 'session_updated', data: '{"x":[1,2,"é"] ,  "y" : null}' },
        { topic: a, type: 'Typ mit Ümlaut 日本', data: JSON.stringify({ s: 'emoji 🎉, astral 𝄞, NUL-free \\u0000 text' }) },
        { topic: a, type: 't', data: '"line\\u2028separator\\u2029and \\"quotes\\" and \\\\ backslash"' },
        { topic: a, type: 't', data: '12345678901234567890.5' },
        { topic: a, type: 't', data: JSON.stringify({ big: 'x'.repeat(65_536 - 10) }) },
      ]
      const records = await store.append(given)
      assert.deepEqual(records.map(draftOf), given, 'append must return the data as given')
      assert.deepEqual((await readAll(store, a, start)).map(draftOf), given, 'readAfter must return the data as given')
    },
  },
  {
    id: 'topics-compare-exactly',
    title: 'topics are compared exactly: case, trailing spaces, LIKE wildcards, quotes, Unicode and 200 characters',
    requires: [],
    async run({ store, topic }) {
      const base = topic('')
      const names = ['a', 'A', 'a ', 'ab', 'a%', 'a_', "it's", 'ü/日本', 'emoji 🎉', 'x'.repeat(Math.max(1, 200 - base.length))]
      const topics = names.map((name) => base + name)
      assert.equal(new Set(topics).size, topics.length)
      const starts = await store.heads(topics)
      const records = await store.append(topics.map((name, i) => ({ topic: name, type: 't', data: JSON.stringify({ i }) })))
      for (const [i, name] of topics.entries()) {
        const start = starts.get(name)
        assert.equal(typeof start, 'string', `heads must hold ${JSON.stringify(name)}`)
        assertSameRecords(
          await readAll(store, name, start as string),
          [records[i] as EventRecord],
          `topic ${JSON.stringify(name)}`,
        )
        assert.equal(await headOf(store, name), records[i]?.id, `head of ${JSON.stringify(name)}`)
      }
    },
  },
]
