/**
 * Commands every server process answers: CPU time, settled memory, peak-memory sampling, and a CPU
 * profile of a window (the inspector's profiler, for processes whose start-up would dominate a
 * whole-process `--cpu-prof`).
 * @module
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { writeHeapSnapshot } from 'node:v8'
import { nowUs } from './clock.js'
import { cpuUs, PeakSampler, settledMemory } from './memory.js'
import type { Handler } from './worker.js'

let sampler: PeakSampler | undefined
let profiler: Session | undefined

/** `cpu`, `memory`, `peakStart`, `peakStop`, `profileStart`, `profileStop` and `heapSnapshot` (for analysis). */
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
  /** Starts sampling CPU every 200 µs, as `--cpu-prof-interval=200` does. */
  profileStart: async () => {
    profiler = new Session()
    profiler.connect()
    await profiler.post('Profiler.enable')
    await profiler.post('Profiler.setSamplingInterval', { interval: 200 })
    await profiler.post('Profiler.start')
    return {}
  },
  /** Stops the profile started by `profileStart` and writes it to `path` (a `.cpuprofile`). */
  profileStop: async ({ path }: { path: string }) => {
    if (!profiler) throw new Error('profileStop without profileStart')
    const { profile } = await profiler.post('Profiler.stop')
    profiler.disconnect()
    profiler = undefined
    writeFileSync(path, JSON.stringify(profile))
    return { path }
  },
  peakStop: () => {
    const peak = sampler?.stop() ?? { heapUsed: 0, rss: 0 }
    sampler = undefined
    return peak
  },
}
