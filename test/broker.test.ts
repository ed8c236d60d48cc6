import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Broker, BrokerClosedError, createBroker, type EventStore, SlowConsumerError } from '../src/index.js'
import { storeKinds, type TestStore } from './helpers/stores.js'
import { take, until } from './helpers/wait.js'

type Events = { session_updated: { sessionId: string; status: string }; n: { i: number } }

describe.each(storeKinds)('broker on $name store', (kind) => {
  let made: TestStore
  let store: EventStore
  let broker: Broker<Events>

  beforeEach(async () => {
    made = await kind.make()
    store = made.store
    broker = createBroker<Events>(store, { pollIntervalMs: 60_000 })
  })
  afterEach(async () => {
    await broker.close()
    await made.dispose()
  })

  it('delivers a published event to a subscriber of its topic and not to another topic', async () => {
    const mine = broker.subscribe('project-1')
    const other = broker.subscribe('project-2')
    await Promise.all([mine.ready, other.ready])
    const stored = await broker.publish({
      topic: 'project-1',
      type: 'session_updated',
      payload: { sessionId: 's1', status: 'running' },
    })
    const [event] = await take(mine, 1)
    expect(event).toEqual({ ...stored, payload: { sessionId: 's1', status: 'running' } })
    await broker.publish({ topic: 'project-2', type: 'n', payload: { i: 1 } })
    const [otherEvent] = await take(other, 1)
    expect(otherEvent?.type).toBe('n') // the project-1 event never reached project-2's subscriber
  })

  it('delivers in publish order', async () => {
    const subscription = broker.subscribe('t')
    await subscription.ready
    const published = await broker.publish(
      Array.from({ length: 50 }, (_, i) => ({ topic: 't', type: 'n' as const, payload: { i } })),
    )
    const events = await take(subscription, 50)
    expect(events.map((e) => e.id)).toEqual(published.map((e) => e.id))
    expect(events.map((e) => (e.payload as { i: number }).i)).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('delivers 1,000 events from 10 concurrent publishers exactly once each, in the store order', async () => {
    const subscription = broker.subscribe('busy')
    await subscription.ready
    const head = (await store.heads(['busy'])).get('busy') as string
    const publishers = Array.from({ length: 10 }, async (_, p) => {
      const ids: string[] = []
      for (let i = 0; i < 100; i++) {
        ids.push((await broker.publish({ topic: 'busy', type: 'n', payload: { i: p * 100 + i } })).id)
      }
      return ids
    })
    const published = (await Promise.all(publishers)).flat()
    const events = await take(subscription, 1_000)
    expect(new Set(events.map((e) => e.id)).size).toBe(1_000)
    expect(new Set(events.map((e) => e.id))).toEqual(new Set(published))
    const storeOrder = (await store.readAfter([{ topic: 'busy', after: head }], 2_000)).get('busy')
    expect(events.map((e) => e.id)).toEqual(storeOrder?.map((r) => r.id))
  })

  it('groups concurrent publishes into fewer store appends', async () => {
    let appends = 0
    const append = store.append.bind(store)
    store.append = (drafts, options) => {
      appends++
      return append(drafts, options)
    }
    await Promise.all(Array.from({ length: 20 }, (_, i) => broker.publish({ topic: 'g', type: 'n', payload: { i } })))
    expect(appends).toBeLessThan(20)
  })

  it('resumes an iterator after an id and throws CannotResumeError for an id ahead of the head', async () => {
    const [first, second, third] = await broker.publish(
      [1, 2, 3].map((i) => ({ topic: 'r', type: 'n' as const, payload: { i } })),
    )
    const resumed = broker.subscribe('r', { after: first?.id })
    expect((await take(resumed, 2)).map((e) => e.id)).toEqual([second?.id, third?.id])
    const ahead = `${first?.id.split('.')[0]}.999999`
    const bad = broker.subscribe('r', { after: ahead })
    await expect(bad.ready).rejects.toMatchObject({ code: 'CANNOT_RESUME', reason: 'ahead' })
    await expect(bad.next()).rejects.toMatchObject({ code: 'CANNOT_RESUME' })
  })

  it('ends an iterator when its signal aborts and forgets the subscriber', async () => {
    const controller = new AbortController()
    const subscription = broker.subscribe('a', { signal: controller.signal })
    await subscription.ready
    expect(broker.stats().subscribers).toBe(1)
    const pending = subscription.next()
    controller.abort()
    expect(await pending).toEqual({ done: true, value: undefined })
    expect(broker.stats()).toMatchObject({ subscribers: 0, topics: 0 })
  })

  it('throws BrokerClosedError when the broker closes under an iterator, after the events it already had; lastEventId resumes there', async () => {
    const subscription = broker.subscribe('c')
    await subscription.ready
    const published = await broker.publish([1, 2, 3].map((i) => ({ topic: 'c', type: 'n' as const, payload: { i } })))
    const [first] = await take(subscription, 1)
    await until(() => broker.stats().delivered === 3, 5_000, 'the three events handed to the iterator')
    await broker.close()
    expect((await take(subscription, 2)).map((e) => e.id)).toEqual([published[1]?.id, published[2]?.id])
    const pending = subscription.next()
    await expect(pending).rejects.toBeInstanceOf(BrokerClosedError)
    await expect(pending).rejects.toMatchObject({ code: 'BROKER_CLOSED' })
    expect(first?.id).toBe(published[0]?.id)
    expect(subscription.lastEventId).toBe(published[2]?.id)
    expect(await subscription.next()).toEqual({ done: true, value: undefined })
    expect(broker.stats().subscribers).toBe(0)
  })

  it('throws BrokerClosedError to a pull that is waiting when the broker closes', async () => {
    const subscription = broker.subscribe('w')
    await subscription.ready
    const pending = subscription.next()
    await broker.close()
    await expect(pending).rejects.toBeInstanceOf(BrokerClosedError)
  })

  it('returns normally when its signal aborted before it is read again, even though the broker closed first', async () => {
    const controller = new AbortController()
    const subscription = broker.subscribe('q', { signal: controller.signal })
    await subscription.ready
    await broker.close()
    controller.abort()
    expect(await subscription.next()).toEqual({ done: true, value: undefined })
  })

  it('throws SlowConsumerError to an iterator that fell behind with onSlow: disconnect; lastEventId resumes exactly', async () => {
    const slow = createBroker<Events>(store, { pollIntervalMs: 60_000, queueLimit: 2, onSlow: 'disconnect' })
    try {
      const subscription = slow.subscribe('s')
      await subscription.ready
      const [first] = await slow.publish([{ topic: 's', type: 'n', payload: { i: 0 } }])
      await take(subscription, 1)
      const rest = await slow.publish(
        Array.from({ length: 5 }, (_, i) => ({ topic: 's', type: 'n' as const, payload: { i: i + 1 } })),
      )
      await expect(take(subscription, 5)).rejects.toBeInstanceOf(SlowConsumerError)
      expect(subscription.lastEventId).toBe(first?.id)
      const resumed = slow.subscribe('s', { after: subscription.lastEventId })
      expect((await take(resumed, 5)).map((event) => event.id)).toEqual(rest.map((event) => event.id))
      await resumed.return?.()
    } finally {
      await slow.close()
    }
  })

  it('throws the store error to an iterator whose catch-up read failed', async () => {
    const [head] = await broker.publish([{ topic: 'f', type: 'n', payload: { i: 0 } }])
    await broker.publish([{ topic: 'f', type: 'n', payload: { i: 1 } }])
    const failure = new Error('the database went away')
    const failing: EventStore = { ...store, readAfter: async () => Promise.reject(failure), onWake: undefined }
    const broken = createBroker<Events>(failing, { pollIntervalMs: 60_000, onError: () => {} })
    try {
      const subscription = broken.subscribe('f', { after: head?.id })
      await expect(subscription.next()).rejects.toBe(failure)
    } finally {
      await broken.close()
    }
  })

  it('frees the connection of an iterator that is never read when its signal aborts', async () => {
    const controller = new AbortController()
    const subscription = broker.subscribe('never-read', { signal: controller.signal })
    await subscription.ready
    expect(broker.stats().subscribers).toBe(1)
    controller.abort()
    expect(broker.stats()).toMatchObject({ subscribers: 0, topics: 0 })
  })

  it('counts published and delivered events', async () => {
    const subscription = broker.subscribe('s')
    await subscription.ready
    await broker.publish([
      { topic: 's', type: 'n', payload: { i: 1 } },
      { topic: 's', type: 'n', payload: { i: 2 } },
    ])
    await take(subscription, 2)
    expect(broker.stats()).toMatchObject({ subscribers: 1, topics: 1, published: 2, delivered: 2, lagging: 0 })
  })
})
