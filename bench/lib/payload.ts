/**
 * The benchmark payload: the scheduled publish time, which receivers turn into latency, and
 * padding to a target size. Every contender frames it with durable-sse's own `src/frame.ts`.
 * @module
 */

/** The payload of every benchmark event. */
export interface BenchPayload {
  /** Scheduled publish time, µs on the machine-wide monotonic clock. */
  t: number
  /** Padding. */
  pad: string
}

/** A payload whose JSON is about `bytes` long. */
export function payload(t: number, bytes: number): BenchPayload {
  return { t, pad: 'x'.repeat(Math.max(0, bytes - 32)) }
}
