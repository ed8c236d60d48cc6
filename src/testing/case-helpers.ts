/**
 * Small tools the conformance cases share: drafts, reading a whole topic, waiting for the store's
 * clock or a signal. Everything fails with `node:assert/strict` errors.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventDraft, EventRecord } from '../event.js'
import type { EventStore } from '../store.js'

/** A draft of `topic` whose data is `{"n":n}` (plus `extra`), of type `type`. */
export function draft(topic: string, n: number, extra: Record<string, unknown> = {}, type = 'test_event'): EventDraft {
  return { topic, type, data: JSON.stringify({ n, ...extra }) }
}

/** `count` drafts of `topic` numbered from `from`. */
export function drafts(topic: string, count: number, from = 0): EventDraft[] {
  return Array.from({ length: count }, (_, i) => draft(topic, from + i))
}

/** The draft part of a record (topic, type, data). */
export function draftOf(record: EventRecord): EventDraft {
  return { topic: record.topic, type: record.type, data: record.data }
}

/** Ids of records. */
export function idsOf(records: readonly EventRecord[]): string[] {
  return records.map((record) => record.id)
}

/** The head of one topic (its start id while it has no events); asserts the store answered for it. */
export async function headOf(store: EventStore, topic: string): Promise<string> {
  const heads = await store.heads([topic])
  const head = heads.get(topic)
  assert.equal(typeof head, 'string', `heads([${JSON.stringify(topic)}]) must hold the topic`)
  return head as string
}

/** One readAfter of one topic: its events after `after`, or `[]` when the map has no entry. */
export async function readOne(store: EventStore, topic: string, after: string, limit: number): Promise<EventRecord[]> {
  const result = await store.readAfter([{ topic, after }], limit)
  for (const key of result.keys()) {
    assert.equal(key, topic, `readAfter for ${JSON.stringify(topic)} answered for another topic ${JSON.stringify(key)}`)
  }
  const records = result.get(topic) ?? []
  assert.ok(records.length <= limit, `readAfter returned ${records.length} events with limit ${limit}`)
  for (const record of records) assert.equal(record.topic, topic, 'readAfter returned an event of another topic')
  return records
}

/**
 * Every event of `topic` after `after`, paging with `pageSize` the way the broker does (each page
 * continues after the last id of the one before). Fails if a page repeats an id.
 */
export async function readAll(store: EventStore, topic: string, after: string, pageSize = 100): Promise<EventRecord[]> {
  const all: EventRecord[] = []
  const seen = new Set<string>()
  let cursor = after
  for (;;) {
    const page = await readOne(store, topic, cursor, pageSize)
    if (page.length === 0) return all
    for (const record of page) {
      assert.ok(!seen.has(record.id), `readAfter returned id ${JSON.stringify(record.id)} twice while paging`)
      seen.add(record.id)
      all.push(record)
    }
    cursor = (page[page.length - 1] as EventRecord).id
  }
}

/** Asserts `actual` are exactly `expected` (ids, topics, types, data and times), in order. */
export function assertSameRecords(actual: readonly EventRecord[], expected: readonly EventRecord[], message: string): void {
  assert.deepEqual(idsOf(actual), idsOf(expected), `${message}: ids`)
  assert.deepEqual(
    actual.map((record) => ({ ...record })),
    expected.map((record) => ({ ...record })),
    `${message}: records`,
  )
}

/** Resolves after `ms` milliseconds (used to shape workloads and to let a clock tick, never to wait for a result). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolves on the next turn of the event loop. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** The latest `createdAt` of `records`, in ms since the epoch. */
export function latestTime(records: readonly EventRecord[]): number {
  return Math.max(...records.map((record) => Date.parse(record.createdAt)))
}

/**
 * Appends probe events to `clockTopic` until the store stamps one later than `afterMs`, so the
 * store's own clock (not the test process's) has moved on; returns every probe appended.
 */
export async function tickStoreClock(
  store: EventStore,
  clockTopic: string,
  afterMs: number,
  waitMs: number,
): Promise<EventRecord[]> {
  const deadline = Date.now() + waitMs
  const probes: EventRecord[] = []
  for (let n = 0; ; n++) {
    const [probe] = await store.append([draft(clockTopic, n)])
    assert.ok(probe, 'append of one draft returned no record')
    probes.push(probe)
    if (Date.parse(probe.createdAt) > afterMs) return probes
    if (Date.now() > deadline)
      assert.fail(`the store's createdAt did not move past ${new Date(afterMs).toISOString()} within ${waitMs} ms`)
    await delay(1)
  }
}

/** Calls of a wake listener, and a way to await the next one. */
export interface WakeRecorder {
  /** The listener to register with `onWake`. */
  listener: (topic?: string) => void
  /** How many times it was called. */
  readonly calls: number
  /** Resolves at the first call after `afterCalls` calls; fails with an `AssertionError` after `waitMs`. */
  next(afterCalls: number, waitMs: number, what: string): Promise<void>
}

/** A wake listener that counts its calls. */
export function wakeRecorder(): WakeRecorder {
  let calls = 0
  const waiters = new Set<() => void>()
  return {
    listener: () => {
      calls++
      for (const waiter of [...waiters]) waiter()
    },
    get calls() {
      return calls
    },
    next(afterCalls, waitMs, what) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (calls <= afterCalls) return
          clearTimeout(timer)
          waiters.delete(check)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          try {
            assert.fail(`${what}: no wake-up within ${waitMs} ms`)
          } catch (error) {
            reject(error)
          }
        }, waitMs)
        waiters.add(check)
        check()
      })
    },
  }
}

/** Awaits `promise` and asserts it rejects; returns the rejection. */
export async function rejection(promise: Promise<unknown>, message: string): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  return assert.fail(message)
}
