/**
 * Memory readings of a benchmark process: a snapshot after full GCs (needs `--expose-gc`), and a
 * sampler that tracks the peak while something runs.
 * @module
 */

/** Bytes, from `process.memoryUsage()`. */
export interface MemorySnapshot {
  /** V8 heap in use. */
  heapUsed: number
  /** Resident set size. */
  rss: number
  /** Memory of C++ objects bound to JS (Buffers and the like). */
  external: number
  /** ArrayBuffers and Buffers. */
  arrayBuffers: number
}

/** Snapshot after two full garbage collections (when `gc` is exposed). */
export async function settledMemory(): Promise<MemorySnapshot> {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let i = 0; i < 3; i++) {
    gc?.()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage()
  return { heapUsed, rss, external, arrayBuffers }
}

/**
 * Samples `heapUsed` and `rss` every `intervalMs` until stopped; reports the peaks. With `gc`
 * (needs `--expose-gc`) each sample follows a full collection, so the peak is of live memory,
 * not of garbage the collector had not reached yet.
 */
export class PeakSampler {
  private peakHeap = 0
  private peakRss = 0
  private readonly timer: ReturnType<typeof setInterval>

  constructor(intervalMs = 20, gc = false) {
    const collect = gc ? (globalThis as { gc?: () => void }).gc : undefined
    const sample = (): void => {
      collect?.()
      const { heapUsed, rss } = process.memoryUsage()
      this.peakHeap = Math.max(this.peakHeap, heapUsed)
      this.peakRss = Math.max(this.peakRss, rss)
    }
    sample()
    this.timer = setInterval(sample, intervalMs)
  }

  /** Stops sampling; returns the peaks in bytes. */
  stop(): { heapUsed: number; rss: number } {
    clearInterval(this.timer)
    return { heapUsed: this.peakHeap, rss: this.peakRss }
  }
}

/** Total CPU time (user + system) of this process so far, µs. */
export function cpuUs(): number {
  const { user, system } = process.cpuUsage()
  return user + system
}
