/**
 * Concurrent workloads for the conformance cases: writers that append at once, and a reader that
 * tails the topics with `readAfter` the way the broker's poller does.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventDraft, EventRecord } from '../event.js'
import type { EventStore } from '../store.js'
import { idsOf, nextTurn, readAll } from './case-helpers.js'

/** Drafts of one append call: 1 to 3 events spread over the two topics. */
export function batchOf(topics: readonly [string, string], writer: number, call: number): EventDraft[] {
  const [a, b] = topics
  const order = [[a], [a, b], [b, a, a]][call % 3] as string[]
  return order.map((topic, k) => ({ topic, type: 'concurrent', data: JSON.stringify({ writer, call, k }) }))
}

/** Runs `writers` writers that each make `calls` sequential `append` calls (through `append`), all at once. */
export async function runWriters(
  topics: readonly [string, string],
  writers: number,
  calls: number,
  append: (drafts: EventDraft[], writer: number, call: number) => Promise<EventRecord[]>,
): Promise<EventRecord[]> {
  const perWriter = await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      const written: EventRecord[] = []
      for (let call = 0; call < calls; call++) {
        const batch = batchOf(topics, writer, call)
        const records = await append(batch, writer, call)
        assert.deepEqual(
          records.map((record) => record.data),
          batch.map((d) => d.data),
          'append under concurrency returns its own records in order',
        )
        written.push(...records)
      }
      return written
    }),
  )
  return perWriter.flat()
}

/**
 * Tails the topics of `starts` (from their start positions, read before the writers began) with one `readAfter` call per round (limit 5 per topic), moving each topic's
 * cursor to the last id it got, until `writing` settles and a read begun after that finds
 * nothing; returns what it collected per topic.
 */
export async function tail(
  store: EventStore,
  starts: ReadonlyMap<string, string>,
  writing: Promise<unknown>,
): Promise<Map<string, EventRecord[]>> {
  const topics = [...starts.keys()]
  const cursors = new Map(starts)
  const collected = new Map<string, EventRecord[]>(topics.map((topic) => [topic, []]))
  let done = false
  const finished = writing.finally(() => {
    done = true
  })
  for (;;) {
    const afterWriters = done
    const result = await store.readAfter(
      topics.map((topic) => ({ topic, after: cursors.get(topic) as string })),
      5,
    )
    let got = 0
    for (const topic of topics) {
      const page = result.get(topic) ?? []
      if (page.length === 0) continue
      ;(collected.get(topic) as EventRecord[]).push(...page)
      cursors.set(topic, (page[page.length - 1] as EventRecord).id)
      got += page.length
    }
    if (got > 0) continue
    if (afterWriters) break
    await nextTurn()
  }
  await finished
  return collected
}

/** Asserts the tailing reader collected exactly each topic's whole log, in order. */
export async function assertTailedEverything(
  store: EventStore,
  collected: Map<string, EventRecord[]>,
  starts: Map<string, string>,
): Promise<void> {
  for (const [topic, got] of collected) {
    const log = await readAll(store, topic, starts.get(topic) as string, 50)
    const missed = idsOf(log).filter((id) => !idsOf(got).includes(id))
    assert.deepEqual(missed, [], `the tailing reader of ${topic} never saw ${missed.length} committed events`)
    assert.deepEqual(idsOf(got), idsOf(log), `the tailing reader of ${topic} saw the log in another order or twice`)
  }
}
