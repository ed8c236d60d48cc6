/**
 * What a receiving worker records: the latency of each arrival from the scheduled time it carries,
 * and the worker commands that read it (`reset`, `wait`).
 * @module
 */
import { nowUs, sleep } from './clock.js'
import { encodeHistogram, newHistogram, recordUs } from './histogram.js'

/** Arrivals and their latencies, for one trial at a time. */
export class LatencyLog {
  private histogram = newHistogram()
  private received = 0

  /** One arrival of something scheduled at `scheduledUs` (`nowUs()` time). */
  arrived(scheduledUs: number): void {
    recordUs(this.histogram, nowUs() - scheduledUs)
    this.received++
  }

  /** The worker commands: `reset` starts a trial, `wait` resolves once `count` arrived (or at `timeoutMs`). */
  readonly commands = {
    reset: () => {
      this.histogram = newHistogram()
      this.received = 0
      return {}
    },
    wait: async ({ count, timeoutMs }: { count: number; timeoutMs: number }) => {
      const deadline = Date.now() + timeoutMs
      while (this.received < count && Date.now() < deadline) await sleep(5)
      return { received: this.received, histogram: encodeHistogram(this.histogram) }
    },
  }
}
