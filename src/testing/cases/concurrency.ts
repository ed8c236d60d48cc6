/**
 * Conformance cases under concurrent writers: every event once, in a stable order, each writer's
 * events in its own order, and a reader that tails with `readAfter` while they write misses
 * nothing (the bug of a global "max id seen" over ids drawn before commit).
 * @module
 */
import assert from 'node:assert/strict'
import { delay, readAll } from '../case-helpers.js'
import { withTransactionOf } from '../hooks.js'
import type { EventStoreCase } from '../types.js'
import { assertTailedEverything, runWriters, tail } from '../workload.js'

/** The concurrency cases. */
export const concurrencyCases: readonly EventStoreCase[] = [
  {
    id: 'concurrent-appends-ordered',
    title: "8 writers appending at once: each topic's log holds every event once, as returned, and each writer's in its order",
    requires: [],
    async run({ store, topic }) {
      const topics = [topic('a'), topic('b')] as const
      const starts = await store.heads(topics)
      const written = await runWriters(topics, 8, 20, (drafts) => store.append(drafts))
      const byId = new Map(written.map((record) => [`${record.topic}\n${record.id}`, record]))
      assert.equal(byId.size, written.length, 'ids within a topic must be unique across concurrent appends')
      for (const name of topics) {
        const log = await readAll(store, name, starts.get(name) as string, 7)
        const expected = written.filter((record) => record.topic === name)
        assert.equal(log.length, expected.length, `topic ${name} must hold every appended event`)
        for (const record of log) {
          assert.deepEqual(record, byId.get(`${name}\n${record.id}`), `the stored event ${record.id} is the one append returned`)
        }
        const lastOf = new Map<number, [number, number]>()
        for (const record of log) {
          const { writer, call, k } = JSON.parse(record.data) as { writer: number; call: number; k: number }
          const previous = lastOf.get(writer)
          if (previous) {
            assert.ok(
              call > previous[0] || (call === previous[0] && k > previous[1]),
              `writer ${writer}'s events out of order in ${name}`,
            )
          }
          lastOf.set(writer, [call, k])
        }
      }
    },
  },
  {
    id: 'no-skipped-commit',
    title: "a reader tailing with readAfter while 6 writers append collects exactly each topic's whole log",
    requires: [],
    async run({ store, topic }) {
      const topics = [topic('a'), topic('b')] as const
      const starts = await store.heads(topics)
      const writing = runWriters(topics, 6, 25, (drafts) => store.append(drafts))
      const collected = await tail(store, starts, writing)
      await assertTailedEverything(store, collected, starts)
    },
  },
  {
    id: 'no-skipped-commit-in-transactions',
    title: 'the same while writers append inside transactions that commit in another order than they began',
    requires: ['transactions'],
    async run({ store, fixture, topic }) {
      const withTransaction = withTransactionOf(fixture)
      const topics = [topic('a'), topic('b')] as const
      const starts = await store.heads(topics)
      const writing = runWriters(topics, 6, 12, (drafts, writer, call) =>
        withTransaction(async (transaction) => {
          const records = await store.append(drafts, { transaction })
          await delay((writer + call) % 3) // work after publishing: commits land out of start order
          return records
        }),
      )
      const collected = await tail(store, starts, writing)
      await assertTailedEverything(store, collected, starts)
    },
  },
]
