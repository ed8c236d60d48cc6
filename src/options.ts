/**
 * The broker's options, their production defaults, and the resolved configuration every part of
 * the broker reads.
 * @module
 */
import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_TOPIC_LENGTH, DEFAULT_MAX_TYPE_LENGTH } from './event.js'

/** Options of `createBroker`; every one has a production default. */
export interface BrokerOptions {
  /** Interval of the heartbeat comment, in ms; 0 disables it. Default 15,000. */
  heartbeatMs?: number
  /** `retry:` sent when a stream opens, in ms. Default 2,000. */
  retryMs?: number
  /** Backstop poll interval when no wake-up signal arrives, in ms. Default 1,000. */
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
  /** Most connections (streams and iterators) in this process; past it, SSE requests get 200 + `retry:` + end. Default unlimited. */
  maxSubscribers?: number
  /** End each SSE stream cleanly after this long, in ms (serverless limits); the browser resumes losslessly. Default none. */
  maxStreamMs?: number
  /** Re-run `authorize` for open streams this often, in ms, ending those it now refuses. Default 0 (never). */
  reauthorizeMs?: number
  /** Delete events older than `maxAgeMs`, every `intervalMs` (default: a tenth of the age, at most an hour). Default none. */
  retention?: RetentionOptions
  /**
   * The most any store call may take, in ms: past it the call fails with `StoreTimeoutError`
   * (a publish rejects with `PublishFailedError`, a poll is retried) and the broker goes on. A
   * bound for stores without deadlines of their own; the bundled stores' are shorter. Default 30,000.
   */
  storeTimeoutMs?: number
  /** Where errors the broker handles itself go (poll and retention failures, authorize throwing, corrupt rows). Default `console.error`. */
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
export type BrokerConfig = Required<Omit<BrokerOptions, 'retention' | 'maxStreamMs'>> &
  Pick<BrokerOptions, 'retention' | 'maxStreamMs'>

/** Applies the defaults to `options` (an option given as `undefined` takes its default). */
export function resolveOptions(options: BrokerOptions): BrokerConfig {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  return {
    heartbeatMs: 15_000,
    retryMs: 2_000,
    pollIntervalMs: 1_000,
    batchSize: 500,
    queueLimit: 1_000,
    onSlow: 'catch-up',
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    maxTopicLength: DEFAULT_MAX_TOPIC_LENGTH,
    maxTypeLength: DEFAULT_MAX_TYPE_LENGTH,
    maxTopicsPerStream: 100,
    maxSubscribers: Number.POSITIVE_INFINITY,
    reauthorizeMs: 0,
    storeTimeoutMs: 30_000,
    onError: (error) => console.error('[durable-sse]', error),
    ...given,
  }
}
