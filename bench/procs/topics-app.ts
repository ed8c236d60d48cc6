/**
 * An app process with in-process subscribers (the many-topics scenario): a durable-sse broker on a
 * store, one `broker.subscribe()` per topic, every event's publish → receive latency recorded from
 * the scheduled time in its payload. Events come from another process.
 * @module
 */
import { nowUs } from '../lib/clock.js'
import { encodeHistogram, newHistogram, recordUs } from '../lib/histogram.js'
import { loadOurs } from '../lib/ours.js'
import type { BenchPayload } from '../lib/payload.js'
import { commonCommands } from '../lib/server-commands.js'
import { openStore, type StoreConfig } from '../lib/stores.js'
import { serve, startArgs } from '../lib/worker.js'

/** Start arguments. */
export interface TopicsAppStart {
  /** The store (shared with the publishing process). */
  store: StoreConfig
  /** Run durable-sse from this experimental copy (`baseline` for `--baseline`). */
  experimental?: string
  /** The broker's `pollIntervalMs` (default: the library's). */
  pollIntervalMs?: number
}

/** What the subscribers received since the last `reset`. */
export interface TopicsAppReport {
  /** Events received. */
  received: number
  /** Encoded publish → receive histogram, µs. */
  histogram: string
  /** Iterators that ended with an error. */
  failed: number
}

/** Subscriptions opening at once (each reads its topic's head). */
const OPENING = 500

const start = startArgs<TopicsAppStart>()
const { createBroker } = await loadOurs(start.experimental)
const broker = createBroker(await openStore(start.store, start.experimental), {
  heartbeatMs: 0,
  pollIntervalMs: start.pollIntervalMs,
  onError: () => {},
})

let histogram = newHistogram()
let received = 0
let failed = 0
/** Resolves the pending `wait` once `received` reaches its count (no polling timer to add CPU). */
let waiter: { count: number; resolve: () => void } | undefined

async function consume(subscription: AsyncIterable<{ payload: unknown }>): Promise<void> {
  try {
    for await (const event of subscription) {
      recordUs(histogram, nowUs() - (event.payload as BenchPayload).t)
      received++
      if (waiter && received >= waiter.count) waiter.resolve()
    }
  } catch {
    failed++
  }
}

const report = (): TopicsAppReport => ({ received, histogram: encodeHistogram(histogram), failed })

serve({
  ...commonCommands,
  /** Subscribes to `<prefix>0` .. `<prefix><count - 1>`; resolves once every subscription is open. */
  subscribe: async ({ prefix, count }: { prefix: string; count: number }) => {
    for (let first = 0; first < count; first += OPENING) {
      const opening: Promise<void>[] = []
      for (let i = first; i < Math.min(count, first + OPENING); i++) {
        const subscription = broker.subscribe(`${prefix}${i}`)
        opening.push(subscription.ready)
        void consume(subscription)
      }
      await Promise.all(opening)
    }
    return { topics: broker.stats().topics }
  },
  reset: () => {
    histogram = newHistogram()
    received = 0
    return {}
  },
  /** Resolves once `count` events arrived since the reset, or after `timeoutMs`. */
  wait: async ({ count, timeoutMs }: { count: number; timeoutMs: number }): Promise<TopicsAppReport> => {
    if (received < count) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs)
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer)
            resolve()
          },
        }
      })
      waiter = undefined
    }
    return report()
  },
  stats: () => broker.stats(),
})
