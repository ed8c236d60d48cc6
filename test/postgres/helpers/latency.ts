/** Latency figures from the monotonic clock stamps (nanoseconds as text) that publishers and fixtures record. */

/** Milliseconds between two `process.hrtime.bigint()` stamps written as text. */
export function elapsedMs(from: string, to: string): number {
  return Number(BigInt(to) - BigInt(from)) / 1e6
}

/** The `p`-th percentile (0..100, nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN
}

/** `p50 / p99 / max` in ms, for a log line. */
export function summary(values: readonly number[]): string {
  return `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (n=${values.length})`
}
