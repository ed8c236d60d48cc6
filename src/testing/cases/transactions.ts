/**
 * Conformance cases of all-or-nothing appends and of appending inside a caller's transaction.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventRecord } from '../../event.js'
import { assertSameRecords, draft, drafts, headOf, readAll, rejection } from '../case-helpers.js'
import { unwritableDraftOf, withTransactionOf } from '../hooks.js'
import type { EventStoreCase } from '../types.js'

/** The atomicity and transaction cases. */
export const transactionCases: readonly EventStoreCase[] = [
  {
    id: 'append-all-or-nothing',
    title: 'an append of 300+ drafts with one the database refuses rejects and writes none of them, in any topic',
    requires: ['atomic'],
    async run({ store, fixture, topic }) {
      const [a, b] = [topic('a'), topic('b')]
      const before = await store.append([draft(a, -1), draft(b, -1)])
      const heads = await store.heads([a, b])
      const batch = [
        ...Array.from({ length: 300 }, (_, i) => draft(i % 2 ? a : b, i)),
        unwritableDraftOf(fixture, a),
        ...drafts(b, 5, 300),
      ]
      await rejection(store.append(batch), 'append must reject a call holding a draft the database refuses')
      assert.deepEqual(await store.heads([a, b]), heads, 'heads must not move')
      for (const [i, name] of [a, b].entries()) {
        assert.deepEqual(
          await readAll(store, name, (before[i] as EventRecord).id),
          [],
          `nothing of the failed call is readable in ${name}`,
        )
      }
      const after = await store.append([draft(a, 1000)])
      assertSameRecords(await readAll(store, a, (before[0] as EventRecord).id), after, 'the next append is the only new event')
    },
  },
  {
    id: 'transaction-commit-visible',
    title: 'events appended inside a transaction are readable, with the returned ids, once it commits',
    requires: ['transactions'],
    async run({ store, fixture, topic }) {
      const withTransaction = withTransactionOf(fixture)
      const a = topic('a')
      const start = await headOf(store, a)
      const records = await withTransaction((transaction) => store.append(drafts(a, 3), { transaction }))
      assert.equal(records.length, 3, 'append inside a transaction returns its records')
      assertSameRecords(await readAll(store, a, start), records, 'after commit: the records append returned')
      assert.equal(await headOf(store, a), records[2]?.id, 'the head is the last committed event')
      const later = await store.append(drafts(a, 1, 3))
      assertSameRecords(await readAll(store, a, start), [...records, ...later], 'a later append follows')
    },
  },
  {
    id: 'transaction-rollback-writes-nothing',
    title: 'events appended inside a transaction that rolls back are never readable and leave the head alone',
    requires: ['transactions'],
    async run({ store, fixture, topic }) {
      const withTransaction = withTransactionOf(fixture)
      const a = topic('a')
      const start = await headOf(store, a)
      const marker = new Error('roll back on purpose')
      const error = await rejection(
        withTransaction(async (transaction) => {
          await store.append(drafts(a, 3), { transaction })
          throw marker
        }),
        'withTransaction must reject when its body throws',
      )
      assert.equal(error, marker, 'withTransaction must reject with the error of its body')
      assert.equal(await headOf(store, a), start, 'the head must not move')
      assert.deepEqual(await readAll(store, a, start), [], 'nothing of a rolled-back transaction is readable')
      const later = await store.append(drafts(a, 1, 3))
      assertSameRecords(await readAll(store, a, start), later, 'the next append is the only event')
    },
  },
  {
    id: 'transaction-uncommitted-invisible',
    title: 'while the transaction is open, readAfter and heads (outside it) do not see its events',
    requires: ['transactions'],
    async run({ store, fixture, topic }) {
      const withTransaction = withTransactionOf(fixture)
      const a = topic('a')
      const committed = await store.append(drafts(a, 1))
      const head = (committed[0] as EventRecord).id
      const records = await withTransaction(async (transaction) => {
        const inside = await store.append(drafts(a, 2, 1), { transaction })
        assert.deepEqual(await readAll(store, a, head), [], 'uncommitted events must not be readable')
        assert.equal(await headOf(store, a), head, 'the head must not show uncommitted events')
        return inside
      })
      assertSameRecords(await readAll(store, a, head), records, 'after commit they are')
    },
  },
]
