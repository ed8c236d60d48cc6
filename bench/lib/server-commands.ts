/**
 * Commands every server process answers: CPU time, settled memory, and peak-memory sampling.
 * @module
 */
import { writeHeapSnapshot } from 'node:v8'
import { nowUs } from './clock.js'
import { cpuUs, PeakSampler, settledMemory } from './memory.js'
import type { Handler } from './worker.js'

let sampler: PeakSampler | undefined

/** `cpu`, `memory`, `peakStart`, `peakStop` and `heapSnapshot` (for analysis). */
export const commonCommands: Record<string, Handler> = {
  cpu: () => ({ cpuUs: cpuUs(), atUs: nowUs() }),
  memory: () => settledMemory(),
  heapSnapshot: async ({ path }: { path: string }) => {
    await settledMemory()
    return { path: writeHeapSnapshot(path) }
  },
  peakStart: ({ gc = false, intervalMs = 20 }: { gc?: boolean; intervalMs?: number } = {}) => {
    sampler?.stop()
    sampler = new PeakSampler(intervalMs, gc)
    return {}
  },
  peakStop: () => {
    const peak = sampler?.stop() ?? { heapUsed: 0, rss: 0 }
    sampler = undefined
    return peak
  },
}
