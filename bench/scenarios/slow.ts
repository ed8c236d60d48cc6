/**
 * Scenario 6, slow-consumer isolation: 1% of the subscribers stop reading; the others' p99 is
 * compared with the same run where nobody stalls, and the server's memory growth with what the
 * configured caps allow (durable-sse: `queueLimit` frames per stalled subscriber, beyond what
 * the kernel's socket buffers absorb). better-sse, which has no cap, runs beside it (full mode).
 * @module
 */
import type { RunContext } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import type { MemorySnapshot } from '../lib/memory.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { type Phase, runSseTrial } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import { targetFor } from '../lib/variants.js'

/** Rough size of one frame: the payload plus the envelope and SSE fields. */
const FRAME_OVERHEAD = 170

/** Runs the slow-consumer scenario. */
export async function slowScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('slow')) return []
  const { subscribers, stallEvery, rate, seconds, payloadBytes, queueLimit, variants } = ctx.sizes.slow
  const stalled = Math.floor(subscribers / stallEvery)
  // One "queue-full": `queueLimit` frames. A stalled subscriber may hold about three: its queued
  // deliveries' frames and their records' payload strings, plus one written chunk (at most the
  // whole queue) waiting in the response's buffer for `drain`.
  const queueFull = queueLimit * (payloadBytes + FRAME_OVERHEAD)
  const recorder = new ScenarioRecorder(
    'slow',
    `Slow consumers: ${subscribers} subscribers, ${stalled} stalled, ${rate} events/s of ${payloadBytes} B for ${seconds} s`,
    variants,
    [
      { label: 'ours: stalled / none', a: 'ours-stalled', b: 'ours-none' },
      { label: 'stalled: ours / better-sse', a: 'ours-stalled', b: 'better-sse-stalled' },
    ],
    { subscribers, stalled, rate, seconds, payloadBytes, queueLimit, store: 'sqlite', queueFullBytes: queueFull },
  )
  recorder.metric('p50', 'fast subscribers p50', 'ms', 'lower')
  recorder.metric('p99', 'fast subscribers p99', 'ms', 'lower')
  recorder.metric('peakHeap', 'peak heap growth during the run', 'B', 'lower')
  recorder.metric('heldHeap', 'heap + buffers held at the end (after GC)', 'B', 'lower')
  recorder.metric(
    'heldPerStalled',
    `held memory per stalled subscriber, in queue-fulls (queueLimit ${queueLimit} × frame)`,
    '×',
    'lower',
  )
  ctx.log(`slow: ${subscribers} subscribers, ${stalled} stalled`)
  const count = Math.round(rate * seconds)
  const phase: Phase = { rate, count, topics: ['t0'], payloadBytes, maxMs: seconds * 1000 + 5_000, drainMs: 30_000 }
  const fleet = await Fleet.start(1)
  try {
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of rotate(variants, rep)) {
        const [kind, mode] = variant.split(/-(?=stalled|none)/) as [string, string]
        const target = targetFor(kind === 'ours' ? 'ours-sqlite' : kind, ctx.tmpDir, { queueLimit })
        let before: MemorySnapshot | undefined
        try {
          await runSseTrial({
            name: `slow:${variant}`,
            target,
            fleet,
            groups: [{ topic: 't0', count: subscribers }],
            stallEvery: mode === 'stalled' ? stallEvery : 0,
            phases: [phase],
            onConnected: async (server) => {
              before = await server.request<MemorySnapshot>('memory')
              await server.request('peakStart')
            },
            afterPhase: async (server, _phase, outcome) => {
              const peak = await server.request<{ heapUsed: number }>('peakStop')
              const after = await server.request<MemorySnapshot>('memory')
              const base = before as MemorySnapshot
              const held = after.heapUsed - base.heapUsed + after.external - base.external
              recorder.add(variant, 'p50', outcome.latency.p50)
              recorder.add(variant, 'p99', outcome.latency.p99)
              recorder.add(variant, 'peakHeap', peak.heapUsed - base.heapUsed)
              recorder.add(variant, 'heldHeap', held)
              if (mode === 'stalled') recorder.add(variant, 'heldPerStalled', held / stalled / queueFull)
              if (!outcome.complete) recorder.notes.push(`${variant} rep ${rep + 1}: fast subscribers missed frames`)
              ctx.log(`  slow rep ${rep + 1} ${variant}: p99 ${outcome.latency.p99} ms, held ${Math.round(held / 1024)} KiB`)
            },
          })
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  slow rep ${rep + 1} ${variant}: FAILED ${(error as Error).message}`)
        }
      }
    }
  } finally {
    await fleet.stop()
  }
  return [recorder.result()]
}
