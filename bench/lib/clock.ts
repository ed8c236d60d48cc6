/**
 * One clock for every process: `process.hrtime.bigint()` is CLOCK_MONOTONIC on Linux, shared by
 * all processes of the machine, so a time taken in the publisher can be compared at the receiver.
 * @module
 */

/** Microseconds on the machine-wide monotonic clock. */
export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
