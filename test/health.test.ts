/**
 * `broker.health()`: ok for a process that delivers; not ok when the wake-up path is down without
 * a fallback; the Postgres store's LISTEN connection as the wake check sees it; thresholds checked.
 * A store whose reads fail for 2 s is in `poller-supervision.test.ts`.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { BusStatus } from '../src/bus.js'
import { type Broker, createBroker, type EventStore, memoryStore, type WakeStatus } from '../src/index.js'
import { describePostgres } from './helpers/postgres.js'
import { storeKinds } from './helpers/stores.js'
import { POLITE, UnrulyHub } from './helpers/unruly-bus.js'
import { until } from './helpers/wait.js'

const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

function brokerOn(store: EventStore): Broker {
  const broker = createBroker(store, { pollIntervalMs: 50 })
  closers.push(
    () => broker.close(),
    () => store.close(),
  )
  return broker
}

describe('broker.health()', () => {
  it('is ok for an idle broker and one that tails topics and delivers', async () => {
    const broker = brokerOn(memoryStore())
    expect(broker.health()).toMatchObject({
      ok: true,
      checks: { store: { ok: true, failing: [] }, poller: { ok: true, idle: true }, wake: { ok: true } },
    })
    const subscription = broker.subscribe('t')
    await subscription.ready
    await broker.publish({ topic: 't', type: 'n', payload: 1 })
    await subscription.next()
    const health = broker.health()
    expect(health.ok).toBe(true)
    expect(health.checks.poller.idle).toBe(false)
    expect(health.checks.poller.lastPollAgoMs).toBeLessThan(1_000)
    await subscription.return?.()
  })

  it('is not ok while the wake-up path is down without a fallback, and ok with one', async () => {
    let status: WakeStatus = { state: 'up', fallback: false }
    const broker = brokerOn(Object.assign(memoryStore(), { wakeStatus: () => status }))
    expect(broker.health().checks.wake).toEqual({ ok: true, source: 'store', state: 'up', fallback: false })
    status = { state: 'down', fallback: false }
    expect(broker.health()).toMatchObject({ ok: false, checks: { wake: { ok: false, state: 'down' } } })
    status = { state: 'degraded', fallback: false }
    expect(broker.health().ok).toBe(false)
    status = { state: 'down', fallback: true }
    expect(broker.health()).toMatchObject({ ok: true, checks: { wake: { ok: true, state: 'down', fallback: true } } })
  })

  it("reports the bus: not ok while it is down and the store has no wake-ups of its own, ok when the store's stand in", async () => {
    let state: BusStatus = 'connected'
    const hub = new UnrulyHub(POLITE)
    const [memory, sqlite] = await Promise.all(storeKinds.map((kind) => kind.make()))
    closers.push(async () => {
      hub.close()
      await memory?.dispose()
      await sqlite?.dispose()
    })
    const alone = createBroker(memory?.store as EventStore, { wake: { ...hub.bus(), status: () => state } })
    const withStore = createBroker(sqlite?.store as EventStore, { wake: { ...hub.bus(), status: () => state } })
    closers.push(
      () => alone.close(),
      () => withStore.close(),
    )
    expect(alone.health().checks.wake).toEqual({ ok: true, source: 'bus', state: 'up', fallback: false })
    state = 'down'
    expect(alone.health()).toMatchObject({ ok: false, checks: { wake: { ok: false, source: 'bus', state: 'down' } } })
    expect(withStore.health()).toMatchObject({ ok: true, checks: { wake: { ok: true, state: 'down', fallback: true } } })
  })

  it('refuses thresholds out of range with a TypeError naming them', () => {
    expect(() => createBroker(memoryStore(), { health: { storeFailingMs: 0 } })).toThrow(/health\.storeFailingMs/)
    expect(() => createBroker(memoryStore(), { health: { pollStalledMs: -1 } })).toThrow(TypeError)
    expect(() => createBroker(memoryStore(), { health: 5 as never })).toThrow(/health must be/)
  })
})

describePostgres('broker.health() on Postgres', (database) => {
  it('reports the LISTEN connection: off while nothing is tailed, up once it listens', async () => {
    const store = await database.store()
    const broker = createBroker(store, { pollIntervalMs: 50 })
    closers.push(() => broker.close())
    expect(broker.health().checks.wake).toMatchObject({ ok: true, source: 'store', state: 'off' })
    const subscription = broker.subscribe('t')
    await subscription.ready
    await until(() => broker.health().checks.wake.state === 'up', 5_000, 'the LISTEN connection')
    expect(broker.health().ok).toBe(true)
    await subscription.return?.()
  })
})
