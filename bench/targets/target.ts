/**
 * The SSE servers under test share one shape: listen, count subscribers, publish the events due
 * now to a topic, close. Ours runs the real broker; the others are the ceilings and the peer.
 * @module
 */
import type { AddressInfo, Server } from 'node:net'
import type { BenchPayload } from '../lib/payload.js'
import type { StoreConfig } from '../lib/stores.js'

/** One event to publish. */
export interface BenchEvent {
  /** Its topic. */
  topic: string
  /** Index in the schedule (ids of the ceilings and the peer). */
  seq: number
  /** Its payload. */
  payload: BenchPayload
}

/** Which server to run, and its settings. */
export interface TargetConfig {
  /**
   * durable-sse, raw `net` socket writes, raw `node:http` `res.write`, better-sse
   * `Channel.broadcast`, or a raw keyset replay from SQLite (`Last-Event-ID`, then live).
   */
  kind: 'ours' | 'raw-net' | 'raw-http' | 'better-sse' | 'raw-keyset'
  /** The store under `ours` (default memory); `raw-keyset` needs a SQLite one. */
  store?: StoreConfig
  /** Heartbeat interval, ms; 0 or absent disables it (ours' default 15 s is then also off). */
  heartbeatMs?: number
  /** Ours' `queueLimit`. */
  queueLimit?: number
  /** Ours' `pollIntervalMs`. */
  pollIntervalMs?: number
  /** Ours from a patched copy named in `BENCH_EXP_SRC` (the `ours-exp` variants): its name, '' for plain `ours-exp`. */
  experimental?: string
  /**
   * Ours serves each request as a stream over its topic and `count` quiet topics (never published
   * to): the same for every stream, or, with `perStream`, its own.
   */
  quietTopics?: { count: number; perStream: boolean }
  /** Ours serves each stream with a `filter` that passes every event (the ops scenario's `ours-filter`). */
  filter?: boolean
  /** An OpenTelemetry SDK is registered before ours is loaded: tracing and metrics, in-memory exporters (the ops scenario's `ours-otel`). */
  telemetry?: boolean
}

/** An SSE server under test. */
export interface SseTarget {
  /** Starts listening on 127.0.0.1; resolves with the port. */
  listen(): Promise<number>
  /** Open subscriber streams. */
  subscribers(): number
  /** Publishes events that are due now (one scheduler tick). */
  publish(events: readonly BenchEvent[]): void
  /** Publishes that failed so far. */
  errors(): number
  /** Target-specific counters. */
  stats(): Record<string, unknown>
}

/** The id the ceilings and the peer give event `seq` (as long as durable-sse's `epoch.seq`). */
export function benchId(seq: number): string {
  return `benchepo.${seq + 1}`
}

/** The `retry:` the ceilings send on connect, durable-sse's default `retryMs`. */
export const RETRY_MS = 2_000

/** Listen backlog for thousands of connections arriving at once. */
const BACKLOG = 4096

/** Starts `server` listening on a free port of 127.0.0.1; resolves with the port. */
export function listenOn(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', BACKLOG, () => resolve((server.address() as AddressInfo).port)))
}

/** The topic a request asks for (`?topic=`), or `'t0'`. */
export function topicOf(url: string | undefined): string {
  const query = (url ?? '').split('?')[1] ?? ''
  for (const part of query.split('&')) {
    const [key, value] = part.split('=')
    if (key === 'topic' && value) return decodeURIComponent(value)
  }
  return 't0'
}
