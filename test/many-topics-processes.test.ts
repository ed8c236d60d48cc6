/**
 * Issue 11, acceptance 2: across OS processes with 10,000 topics tailed. One subscriber process
 * follows all of them (5,000 one-topic subscriptions and 50 of 100 topics each) while 3 publisher
 * processes publish to random topics (half to 16 hot ones, so writers interleave within a topic),
 * in group commits and in the app's transactions, some rolled back. The subscriber's backstop poll
 * is 10 minutes away, so what it receives comes through wake-ups: SQLite's `data_version` answered by
 * `changedTopics`, Postgres NOTIFY, MySQL's change cursor (`changedTopics`). Every committed event arrives once, in its topic's order, and no
 * rolled-back one; then a sentinel to each of the 10,000 topics shows that every one delivers.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { parseEventId } from '../src/event-id.js'
import type { EventStore } from '../src/index.js'
import { topicNames } from './fixtures/many-topics-store.js'
import { describeMysql } from './helpers/mysql.js'
import { describePostgres } from './helpers/postgres.js'
import { tempDir } from './helpers/stores.js'
import { type Fixture, type Message, startFixture, stopFixture } from './postgres/helpers/child.js'

const TOPICS = 10_000
const PUBLISHERS = 3
const EVENTS_PER_PUBLISHER = 300
/** Sentinels per publish call. */
const SENTINEL_BATCH = 1_000

/** `startFixture` starts `test/postgres/fixtures/<name>.ts`; these fixtures live in `test/fixtures/`. */
const fixture = (name: string, env: Record<string, string>): Fixture => startFixture(`../../fixtures/${name}`, env)

const seq = (id: string): number => parseEventId(id)?.seq ?? Number.NaN

/** Resolves once `fixture` reported an event for every marker in `pending` (emptied as they arrive). */
function receivedAll(subscriber: Fixture, pending: Set<string>, what: string, timeoutMs: number): Promise<void> {
  let seen = 0
  return subscriber.until(
    (messages) => {
      for (; seen < messages.length; seen++) {
        const message = messages[seen] as Message
        if (message.kind === 'event')
          pending.delete(message.marker === 'sentinel' ? `sentinel ${message.topic}` : String(message.marker))
      }
      return pending.size === 0
    },
    what,
    timeoutMs,
  )
}

/**
 * The scenario on one store: `env` tells the fixtures which; `store` is this process's own instance
 * (it publishes the sentinels); `defer` registers cleanups.
 */
async function everyEventOnceInOrder(env: Record<string, string>, store: EventStore, defer: (cleanup: () => unknown) => void) {
  const subscriber = fixture('many-topics-subscriber', {
    ...env,
    TOPICS: String(TOPICS),
    BROKER_OPTIONS: JSON.stringify({ pollIntervalMs: 600_000 }),
  })
  defer(() => stopFixture(subscriber))
  await subscriber.message((m) => m.kind === 'ready', 'ready', 60_000)

  const publishers = Array.from({ length: PUBLISHERS }, (_, i) =>
    fixture('many-topics-publisher', {
      ...env,
      NAME: `p${i}`,
      TOPICS: String(TOPICS),
      HOT: '16',
      EVENTS: String(EVENTS_PER_PUBLISHER),
      ROLLBACK: '0.25',
    }),
  )
  for (const publisher of publishers) defer(() => stopFixture(publisher))
  await Promise.all(publishers.map((publisher) => publisher.message((m) => m.kind === 'ready', 'ready', 30_000)))
  for (const publisher of publishers) publisher.send({ kind: 'go' })
  await Promise.all(publishers.map((publisher) => publisher.message((m) => m.kind === 'done', 'done', 60_000)))
  expect((await Promise.all(publishers.map((publisher) => publisher.exited))).map((exit) => exit.code)).toEqual([0, 0, 0])

  const committed = publishers.flatMap((publisher) => publisher.messages.filter((m) => m.kind === 'committed'))
  const rolledBack = new Set(publishers.flatMap((p) => p.messages.filter((m) => m.kind === 'rolledBack').map((m) => m.marker)))
  expect(committed.length + rolledBack.size).toBeGreaterThanOrEqual(PUBLISHERS * EVENTS_PER_PUBLISHER)
  expect(rolledBack.size).toBeGreaterThan(0)

  // Everything committed arrives through wake-ups, the backstop poll is 10 minutes away.
  await receivedAll(subscriber, new Set(committed.map((m) => m.marker as string)), 'every committed event', 40_000)

  const sentinels = new Map<string, string>()
  const topics = topicNames(TOPICS)
  for (let start = 0; start < topics.length; start += SENTINEL_BATCH) {
    const drafts = topics
      .slice(start, start + SENTINEL_BATCH)
      .map((topic) => ({ topic, type: 'sentinel', data: JSON.stringify({ marker: 'sentinel' }) }))
    for (const record of await store.append(drafts)) sentinels.set(record.topic, record.id)
  }
  await receivedAll(subscriber, new Set(topics.map((topic) => `sentinel ${topic}`)), 'a sentinel on every topic', 30_000)
  subscriber.send({ kind: 'stop' })
  await subscriber.message((m) => m.kind === 'stopped', 'stopped')
  for (const child of [subscriber, ...publishers]) {
    expect(child.messages.filter((m) => m.kind === 'brokerError' || m.kind === 'storeError')).toEqual([])
  }

  const received = new Map<string, Message[]>()
  for (const message of subscriber.messages) {
    if (message.kind !== 'event') continue
    const topic = message.topic as string
    received.set(topic, [...(received.get(topic) ?? []), message])
  }
  const expected = new Map<string, Message[]>()
  for (const event of [...committed].sort((a, b) => seq(a.id as string) - seq(b.id as string))) {
    expected.set(event.topic as string, [...(expected.get(event.topic as string) ?? []), event])
  }
  for (const topic of topics) {
    const mine = received.get(topic) ?? []
    const want = expected.get(topic) ?? []
    expect(
      mine.map((m) => m.id),
      `${topic}: every event once, in order, then the sentinel`,
    ).toEqual([...want.map((m) => m.id), sentinels.get(topic)])
    expect(
      mine.map((m) => m.marker),
      `${topic}: payloads`,
    ).toEqual([...want.map((m) => m.marker), 'sentinel'])
  }
  // The publishers really interleaved within topics.
  const mixed = [...expected.values()].filter((events) => new Set(events.map((m) => String(m.marker).split('-')[0])).size > 1)
  expect(mixed.length).toBeGreaterThan(0)
  expect(received.size).toBe(TOPICS)
}

describe('many topics across processes on SQLite', () => {
  it(`${TOPICS} topics tailed by another process: every event once, in order per topic`, { timeout: 120_000 }, async () => {
    const cleanups: Array<() => unknown> = []
    const temp = tempDir()
    const filename = join(temp.dir, 'events.db')
    const store = sqliteStore({ filename })
    try {
      await store.migrate()
      await everyEventOnceInOrder({ STORE: 'sqlite', FILENAME: filename }, store, (cleanup) => cleanups.push(cleanup))
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup()
      await store.close()
      temp.remove()
    }
  })
})

describePostgres('many topics across processes on Postgres', (database) => {
  it(`${TOPICS} topics tailed by another process: every event once, in order per topic`, { timeout: 120_000 }, async () => {
    const store = await database.store({ poolConfig: { max: 4 } })
    await everyEventOnceInOrder({ STORE: 'postgres', DATABASE_URL: database.url, SCHEMA: database.schema }, store, database.defer)
  })
})

describeMysql('many topics across processes on MySQL', (database) => {
  it(`${TOPICS} topics tailed by another process: every event once, in order per topic`, { timeout: 120_000 }, async () => {
    const store = await database.store()
    await everyEventOnceInOrder({ STORE: 'mysql', MYSQL_URL: database.url }, store, database.defer)
  })
})
