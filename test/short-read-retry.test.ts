/**
 * A commit can be known (the Postgres relay decodes it from the WAL, a bus names its head) a
 * moment before other sessions can read it. A receiver whose read comes up short of a head the
 * bus named reads again shortly, so the event arrives then, not at the backstop poll.
 */
import { afterEach, expect, it } from 'vitest'
import { createBroker, type EventStore, memoryStore } from '../src/index.js'
import { UnrulyHub } from './helpers/unruly-bus.js'

/** A view of `store` whose reads do not see events for `lagMs` after their append (as other sessions do not see a commit the relay just decoded). */
function visibleLate(store: EventStore, lagMs: number): EventStore & { shortReads: number } {
  const appendedAt = new Map<string, number>()
  const late = Object.assign(Object.create(store) as EventStore, { shortReads: 0, onWake: undefined })
  late.append = async (drafts, options) => {
    const records = await store.append(drafts, options)
    for (const record of records) appendedAt.set(`${record.topic}/${record.id}`, performance.now())
    return records
  }
  late.readAfter = async (cursors, limit) => {
    const result = await store.readAfter(cursors, limit)
    for (const [topic, records] of result) {
      const visible = records.findIndex((record) => performance.now() - (appendedAt.get(`${topic}/${record.id}`) ?? 0) < lagMs)
      if (visible === -1) continue
      late.shortReads++
      result.set(topic, records.slice(0, visible))
    }
    return result
  }
  return late
}

const hubs: UnrulyHub[] = []
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close()
})

it('a read that comes up short of a head the bus named is tried again shortly, not left to the backstop', async () => {
  const store = visibleLate(memoryStore(), 15)
  // Every message shrinks to a wake-up naming the head: the receiver has to read.
  const hub = new UnrulyHub({ drop: 0, duplicate: 0, headOnly: 1, maxDelayMs: 0 })
  hubs.push(hub)
  const publisher = createBroker(store, { wake: hub.bus(), heartbeatMs: 0 })
  const receiver = createBroker(store, { wake: hub.bus(), pollIntervalMs: 3_600_000, heartbeatMs: 0 })
  try {
    const subscription = receiver.subscribe('late')
    await subscription.ready
    const next = subscription[Symbol.asyncIterator]().next()
    const published = await publisher.publish({ topic: 'late', type: 'e', payload: 1 })
    const { value } = await next
    expect(value?.id).toBe(published.id)
    expect(store.shortReads).toBeGreaterThan(0) // the first read did come up short
  } finally {
    await publisher.close()
    await receiver.close()
  }
})
