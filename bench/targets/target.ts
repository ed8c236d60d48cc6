/**
 * The SSE servers under test share one shape: listen, count subscribers, publish the events due
 * now to a topic, close. Ours runs the real broker; the others are the ceilings and the peer.
 * @module
 */
import type { BenchPayload } from '../lib/envelope.js'
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

/** Listen backlog for thousands of connections arriving at once. */
export const BACKLOG = 4096
