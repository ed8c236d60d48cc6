/**
 * `broker.health()`: whether this process delivers, for a readiness probe (cheap enough to call
 * every second: it reads a few fields, never the store). Three checks, each with its own `ok`:
 * the store (no operation failing for longer than `storeFailingMs`), the poller (a poll completed
 * within `pollStalledMs` while it tails topics), and the wake-up path (not down without a
 * fallback). The wake-up path is the bus when the broker has one (`wake` option; while it is down
 * the store's own wake-ups, if up, are the fallback), else the store's (`EventStore.wakeStatus`:
 * Postgres LISTEN, which polls faster while down).
 * @module
 */
import type { BusStatus } from './bus.js'
import type { ReadStatus, RelayRole, WakeStatus } from './store.js'
import type { FailingOperation, StoreHealth } from './store-health.js'

/** Thresholds of {@link Broker.health}; see `BrokerOptions.health`. */
export interface HealthOptions {
  /** Unhealthy once a store operation has been failing for longer than this, in ms. Default 10,000. */
  storeFailingMs?: number
  /** Unhealthy once the poller, tailing topics, has not completed a poll for longer than this, in ms. Default the larger of 10,000 and 3 × `pollIntervalMs`. */
  pollStalledMs?: number
}

/** The store check of {@link BrokerHealth}. */
export interface StoreCheck {
  /** No operation has been failing for longer than `storeFailingMs`. */
  ok: boolean
  /** The operations whose latest call failed (recently), with how long they have been failing. */
  failing: FailingOperation[]
}

/** The poller check of {@link BrokerHealth}. */
export interface PollerCheck {
  /** Idle, or a poll completed within `pollStalledMs`. */
  ok: boolean
  /** Milliseconds since the poller last completed a poll (or started tailing). */
  lastPollAgoMs: number
  /** No topic is tailed: nothing to poll for. */
  idle: boolean
}

/** The wake-up check of {@link BrokerHealth}. */
export interface WakeCheck {
  /** Not down without a fallback. */
  ok: boolean
  /** Where wake-ups come from: a bus between processes (`'bus'`: the `wake` option), the store's own (`'store'`: Postgres LISTEN, SQLite's file watch), or none (polling only). */
  source: 'store' | 'bus' | 'none'
  /** What the path is doing (`'up'` when the source has no status to tell). */
  state: WakeStatus['state']
  /** Whether a faster poll stands in while it is not up. */
  fallback: boolean
}

/** The relay check of {@link BrokerHealth}. */
export interface RelayCheck {
  /** Always `true`: without the relay, commits reach this process by its other wake-ups or the backstop (later, never lost). */
  ok: boolean
  /** This process's part in the store's change feed (the Postgres relay): `'leader'` when it holds it, `'off'` without one. */
  role: RelayRole
}

/** The reads check of {@link BrokerHealth}. */
export interface ReadsCheck extends ReadStatus {
  /** Always `true`: a replica that is down or behind is bypassed, and its reads go to the primary. */
  ok: boolean
}

/** What {@link Broker.health} returns. */
export interface BrokerHealth {
  /** Every check is ok: the process delivers. */
  ok: boolean
  /** Each check on its own. */
  checks: {
    /** The store's answers. */
    store: StoreCheck
    /** The poller's progress. */
    poller: PollerCheck
    /** The wake-up path between processes. */
    wake: WakeCheck
    /** Whether this process holds the store's relay. */
    relay: RelayCheck
    /** Where the store's reads of events go: its read replicas' states and lag (Postgres `replica`). */
    reads: ReadsCheck
  }
}

/** What a health check reads. */
export interface HealthSources {
  /** How the store has been answering. */
  store: StoreHealth
  /** The poller's last completed poll and whether it is idle. */
  poller: { readonly lastPollAt: number; readonly idle: boolean }
  /** The wake-up paths: the bus's state (`'none'` without one), and the store's (`undefined`: it has no wake-ups; a function returning `undefined`: none to tell). */
  wake: { bus: BusStatus | 'none'; store: (() => WakeStatus | undefined) | undefined }
  /** This process's part in the store's relay. */
  relay: RelayRole
  /** Where the store's reads go. */
  reads: ReadStatus
}

/** A bus's state as a wake-up state. */
const BUS_STATE: Record<BusStatus, WakeStatus['state']> = { connected: 'up', connecting: 'starting', down: 'down' }

/** The wake-up check: the bus's, with the store's wake-ups as its fallback, else the store's own. */
function wakeCheckOf(wake: HealthSources['wake']): WakeCheck {
  const store = wake.store && (wake.store() ?? { state: 'up', fallback: false })
  let status: WakeStatus
  let source: WakeCheck['source']
  if (wake.bus !== 'none') {
    source = 'bus'
    const storeWakes = store !== undefined && (store.state === 'up' || store.fallback)
    status = { state: BUS_STATE[wake.bus], fallback: storeWakes }
  } else {
    source = store ? 'store' : 'none'
    status = store ?? { state: 'up', fallback: false }
  }
  return { ok: status.fallback || (status.state !== 'down' && status.state !== 'degraded'), source, ...status }
}

/** The broker's health now, against thresholds already resolved. */
export function healthOf(sources: HealthSources, thresholds: Required<HealthOptions>): BrokerHealth {
  const failing = sources.store.failingNow(thresholds.storeFailingMs)
  const store: StoreCheck = { ok: failing.every((f) => f.forMs <= thresholds.storeFailingMs), failing }
  const { idle } = sources.poller
  const lastPollAgoMs = Math.round(performance.now() - sources.poller.lastPollAt)
  const poller: PollerCheck = { ok: idle || lastPollAgoMs <= thresholds.pollStalledMs, lastPollAgoMs, idle }
  const wake = wakeCheckOf(sources.wake)
  const relay: RelayCheck = { ok: true, role: sources.relay }
  const reads: ReadsCheck = { ok: true, ...sources.reads }
  return { ok: store.ok && poller.ok && wake.ok, checks: { store, poller, wake, relay, reads } }
}
