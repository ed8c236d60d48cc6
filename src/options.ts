/**
 * The broker's options, their production defaults, and the resolved configuration every part of
 * the broker reads.
 * @module
 */
import type { WakeBus } from './bus.js'
import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_TOPIC_LENGTH, DEFAULT_MAX_TYPE_LENGTH } from './event.js'
import type { HealthOptions } from './health.js'
import { MAX_TIMER_MS, numberOption } from './options-check.js'

/**
 * Options of `createBroker`; every one has a production default. Durations are whole or fractional
 * ms up to 2^31-1 (what Node's timers take), counts are integers; a value out of range throws a
 * `TypeError` naming the option.
 */
export interface BrokerOptions {
  /** Interval of the heartbeat comment, in ms; 0 disables it. Default 15,000. */
  heartbeatMs?: number
  /** `retry:` sent when a stream opens, in ms. Default 2,000. */
  retryMs?: number
  /** Backstop poll interval when no wake-up signal arrives, in ms, above 0; also the longest pause after a failed poll. Default 1,000. */
  pollIntervalMs?: number
  /** Events read per topic per poll, and per catch-up page. Default 500. */
  batchSize?: number
  /** Events buffered per connection before it falls back to catching up from the store. Default 1,000. */
  queueLimit?: number
  /** What a connection whose queue overflows does: page from the store, or end its stream. Default `'catch-up'`. */
  onSlow?: 'catch-up' | 'disconnect'
  /** Largest serialised payload, in bytes. Default 65,536. */
  maxPayloadBytes?: number
  /** Largest topic, in characters. Default 200. */
  maxTopicLength?: number
  /** Largest event type, in characters. Default 100. */
  maxTypeLength?: number
  /** Most topics in one stream or subscription. Default 100. */
  maxTopicsPerStream?: number
  /** Most connections (streams and iterators) in this process; past it, SSE requests get 200 + `retry:` + end. Default `Infinity`. */
  maxSubscribers?: number
  /** End each SSE stream cleanly after this long, in ms (serverless limits); the browser resumes losslessly. Default none (0 too). */
  maxStreamMs?: number
  /** Re-run `authorize` for open streams this often, in ms, ending those it now refuses. Default 0 (never). */
  reauthorizeMs?: number
  /**
   * A bus between the app's processes (`natsWake` from `durable-sse/nats`, `redisWake` from
   * `durable-sse/redis`, or your own `WakeBus`): committed events travel on it after their commit
   * and each process delivers them without reading the database; the store stays the truth (gaps,
   * reconnects and the backstop read it). Default none.
   */
  wake?: WakeBus
  /** Delete events older than `maxAgeMs`, every `intervalMs` (default: a tenth of the age, at most an hour). Default none. */
  retention?: RetentionOptions
  /**
   * The most any store call may take, in ms: past it the call fails with `StoreTimeoutError`
   * (a publish rejects with `PublishFailedError`, a poll is retried) and the broker goes on. A
   * bound for stores without deadlines of their own; the bundled stores' are shorter. Default 30,000.
   */
  storeTimeoutMs?: number
  /** When `broker.health()` says not ok: a store operation failing, or the poller without a completed poll, for longer than these. */
  health?: HealthOptions
  /**
   * Where errors the broker handles itself go (poll and retention failures, each kind of a
   * repeating poll failure once until a poll succeeds; authorize throwing; corrupt rows). One that
   * throws is logged instead. Default `console.error`.
   */
  onError?: (error: unknown) => void
}

/** How long events are kept; see {@link BrokerOptions.retention}. */
export interface RetentionOptions {
  /** Events older than this are deleted, in ms. */
  maxAgeMs: number
  /** How often to delete, in ms. */
  intervalMs?: number
}

/** Every option with its default applied. */
export type BrokerConfig = Required<Omit<BrokerOptions, 'retention' | 'maxStreamMs' | 'wake' | 'health'>> &
  Pick<BrokerOptions, 'retention' | 'maxStreamMs' | 'wake'> & {
    /** `health` with its defaults. */
    health: Required<HealthOptions>
  }

const OWNER = 'createBroker'

/** A duration option, in ms, at least `min` (above it when not `inclusive`), at most what Node's timers take. */
function milliseconds(name: string, value: number | undefined, fallback: number, min: number, inclusive = true): number {
  return numberOption(OWNER, name, value, fallback, { min, inclusive, max: MAX_TIMER_MS, unit: 'milliseconds' })
}

/** A count option: an integer of at least `min` (`Infinity` too when `infinite`). */
function count(name: string, value: number | undefined, fallback: number, min = 1, infinite = false): number {
  return numberOption(OWNER, name, value, fallback, { min, integer: true, infinite })
}

/** The retention options, checked. */
function retentionOf(retention: RetentionOptions | undefined): RetentionOptions | undefined {
  if (retention === undefined) return undefined
  if (typeof retention !== 'object' || retention === null)
    throw new TypeError(`${OWNER}: retention must be { maxAgeMs, intervalMs? }`)
  const maxAgeMs = numberOption(OWNER, 'retention.maxAgeMs', retention.maxAgeMs, Number.NaN, {
    min: 0,
    inclusive: false,
    unit: 'milliseconds',
  })
  if (retention.intervalMs === undefined) return { maxAgeMs }
  return { maxAgeMs, intervalMs: milliseconds('retention.intervalMs', retention.intervalMs, 0, 0, false) }
}

/** The health thresholds, checked, with their defaults (the poll threshold after `pollIntervalMs`'s). */
function healthOf(health: HealthOptions | undefined, pollIntervalMs: number): Required<HealthOptions> {
  if (health !== undefined && (typeof health !== 'object' || health === null))
    throw new TypeError(`${OWNER}: health must be { storeFailingMs?, pollStalledMs? }`)
  return {
    storeFailingMs: milliseconds('health.storeFailingMs', health?.storeFailingMs, 10_000, 0, false),
    pollStalledMs: milliseconds('health.pollStalledMs', health?.pollStalledMs, Math.max(10_000, 3 * pollIntervalMs), 0, false),
  }
}

/** The `wake` option, checked: a `WakeBus` or nothing. */
function busOf(wake: unknown): WakeBus | undefined {
  if (wake === undefined) return undefined
  const bus = wake as Partial<Record<keyof WakeBus, unknown>> | null
  const methods = ['open', 'send', 'follow', 'unfollow', 'status', 'close'] as const
  if (typeof bus !== 'object' || bus === null || methods.some((name) => typeof bus[name] !== 'function')) {
    throw new TypeError(`${OWNER}: wake must be a WakeBus (natsWake(...), redisWake(...) or { ${methods.join(', ')} })`)
  }
  return wake as WakeBus
}

/** `report`, made safe to call: an `onError` that throws is logged, never thrown into the broker's loops. */
function safeReport(report: unknown): (error: unknown) => void {
  if (report === undefined) return (error) => console.error('[durable-sse]', error)
  if (typeof report !== 'function') throw new TypeError(`${OWNER}: onError must be a function`)
  return (error) => {
    try {
      report(error)
    } catch (thrown) {
      console.error('[durable-sse] onError threw', thrown, 'while reporting', error)
    }
  }
}

/**
 * Applies the defaults to `options` (an option given as `undefined` takes its default) and checks
 * every option: a bad value is a `TypeError` naming it (`createBroker: pollIntervalMs must be ...`).
 */
export function resolveOptions(options: BrokerOptions): BrokerConfig {
  const { onSlow = 'catch-up' } = options
  if (onSlow !== 'catch-up' && onSlow !== 'disconnect') {
    throw new TypeError(`${OWNER}: onSlow must be 'catch-up' or 'disconnect'`)
  }
  const pollIntervalMs = milliseconds('pollIntervalMs', options.pollIntervalMs, 1_000, 0, false)
  return {
    heartbeatMs: milliseconds('heartbeatMs', options.heartbeatMs, 15_000, 0),
    retryMs: milliseconds('retryMs', options.retryMs, 2_000, 0),
    pollIntervalMs,
    batchSize: count('batchSize', options.batchSize, 500),
    queueLimit: count('queueLimit', options.queueLimit, 1_000),
    onSlow,
    maxPayloadBytes: count('maxPayloadBytes', options.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES),
    maxTopicLength: count('maxTopicLength', options.maxTopicLength, DEFAULT_MAX_TOPIC_LENGTH),
    maxTypeLength: count('maxTypeLength', options.maxTypeLength, DEFAULT_MAX_TYPE_LENGTH),
    maxTopicsPerStream: count('maxTopicsPerStream', options.maxTopicsPerStream, 100),
    maxSubscribers: count('maxSubscribers', options.maxSubscribers, Number.POSITIVE_INFINITY, 0, true),
    maxStreamMs: options.maxStreamMs === undefined ? undefined : milliseconds('maxStreamMs', options.maxStreamMs, 0, 0),
    reauthorizeMs: milliseconds('reauthorizeMs', options.reauthorizeMs, 0, 0),
    retention: retentionOf(options.retention),
    wake: busOf(options.wake),
    storeTimeoutMs: milliseconds('storeTimeoutMs', options.storeTimeoutMs, 30_000, 0, false),
    health: healthOf(options.health, pollIntervalMs),
    onError: safeReport(options.onError),
  }
}
