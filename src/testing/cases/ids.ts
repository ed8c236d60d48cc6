/**
 * Conformance cases of ids: what may reach the wire as an SSE `id:` and come back as
 * `Last-Event-ID`, and what `isValidId` refuses.
 * @module
 */
import assert from 'node:assert/strict'
import { drafts, headOf, readAll } from '../case-helpers.js'
import type { EventStoreCase } from '../types.js'

/**
 * What an id must look like: printable ASCII without spaces (SSE strips a leading space, Node
 * decodes `Last-Event-ID` as latin1), 1 to 200 characters (the broker refuses longer ones).
 */
const SAFE_ID = /^[\x21-\x7e]{1,200}$/

/** The id cases. */
export const idCases: readonly EventStoreCase[] = [
  {
    id: 'ids-are-ascii-and-valid',
    title: 'every id (appended, read, head, start) is 1-200 printable ASCII characters without spaces, and isValidId accepts it',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const b = topic('ü 日本 b')
      const ids = [await headOf(store, a), await headOf(store, b)]
      const records = await store.append([...drafts(a, 12), ...drafts(b, 3)])
      ids.push(...records.map((record) => record.id))
      ids.push(...(await readAll(store, a, ids[0] as string)).map((record) => record.id))
      ids.push(await headOf(store, a), await headOf(store, b))
      for (const id of ids) {
        assert.match(id, SAFE_ID, `id ${JSON.stringify(id)} must be 1-200 printable ASCII characters without spaces`)
        assert.equal(store.isValidId(id), true, `isValidId(${JSON.stringify(id)}) must be true for an id the store issued`)
      }
    },
  },
  {
    id: 'positions-number-each-topic',
    title:
      'a store with positionOf numbers each topic 1, 2, 3, ... without gaps in one epoch (its start id at 0), across interleaved appends',
    requires: [],
    async run({ store, topic }) {
      const { positionOf } = store
      if (!positionOf) return // optional: without it, bus messages only wake
      const [a, b] = [topic('a'), topic('b')]
      const starts = new Map([
        [a, await headOf(store, a)],
        [b, await headOf(store, b)],
      ])
      const epoch = positionOf.call(store, starts.get(a) as string)?.epoch
      for (const [name, start] of starts) {
        assert.deepEqual(
          positionOf.call(store, start),
          { epoch, seq: 0 },
          `the start id of ${JSON.stringify(name)} must be at seq 0`,
        )
      }
      await store.append([...drafts(a, 2), ...drafts(b, 1)])
      await store.append(drafts(b, 2, 1))
      await store.append(drafts(a, 1, 2))
      for (const [name, start] of starts) {
        const records = await readAll(store, name, start)
        const positions: Array<{ epoch: string; seq: number } | undefined> = records.map((record) =>
          positionOf.call(store, record.id),
        )
        assert.deepEqual(
          positions,
          [1, 2, 3].map((seq) => ({ epoch, seq })),
          `${JSON.stringify(name)}'s events must be at 1, 2, 3`,
        )
      }
    },
  },
  {
    id: 'invalid-id-rejected',
    title: 'isValidId refuses empty, blank, CR/LF/NUL-bearing and non-ASCII strings, even around a real id',
    requires: [],
    async run({ store, topic }) {
      const a = topic('a')
      const [record] = await store.append(drafts(a, 1))
      const real = record?.id as string
      const bad = [
        '',
        ' ',
        '\t',
        '\n',
        '\r\n',
        '\0',
        'é',
        '日本',
        '🎉',
        `${real}\n`,
        `${real}\r`,
        `\n${real}`,
        `${real}\0`,
        ` ${real}`,
        `${real} `,
        `${real}é`,
      ]
      for (const id of bad) {
        assert.equal(store.isValidId(id), false, `isValidId(${JSON.stringify(id)}) must be false`)
      }
    },
  },
]
