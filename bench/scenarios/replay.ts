/**
 * Scenario 5, replay: one client resuming a large backlog (and a ten times smaller one, to show
 * that peak memory does not grow with the backlog), then a storm of clients each resuming 1,000
 * events at once while live subscribers on another topic measure their latency. durable-sse on
 * SQLite beside a raw keyset `SELECT ... ORDER BY id LIMIT 500` streamed to the socket.
 * @module
 */
import { join } from 'node:path'
import { buildBacklog } from '../lib/backlog.js'
import type { RunContext } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import { summarize } from '../lib/histogram.js'
import type { MemorySnapshot } from '../lib/memory.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { endServer, type Phase, runPhase, startServer } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import type { TargetConfig } from '../targets/target.js'

const VARIANTS = ['ours-sqlite', 'raw-keyset']

/** Runs the replay scenario. */
export async function replayScenarios(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('replay')) return []
  const { backlog, smallBacklog, stormClients, stormEach, liveSubscribers, liveRate, payloadBytes } = ctx.sizes.replay
  const recorder = new ScenarioRecorder(
    'replay',
    `Replay from SQLite: one client resuming ${backlog.toLocaleString('en')} events; ${stormClients.toLocaleString('en')} clients resuming ${stormEach.toLocaleString('en')} each`,
    VARIANTS,
    [{ label: 'ours / raw keyset', a: 'ours-sqlite', b: 'raw-keyset' }],
    { backlog, smallBacklog, stormClients, stormEach, liveSubscribers, liveRate, payloadBytes, pageSize: 500 },
  )
  recorder.metric('single.perSec', `events/s, one client resuming ${backlog.toLocaleString('en')}`, '/s', 'higher')
  recorder.metric('single.peakHeapLarge', `peak live heap growth, ${backlog.toLocaleString('en')}-event replay`, 'B', 'lower')
  recorder.metric(
    'single.peakHeapSmall',
    `peak live heap growth, ${smallBacklog.toLocaleString('en')}-event replay`,
    'B',
    'lower',
  )
  recorder.metric(
    'storm.perSec',
    `events/s, ${stormClients.toLocaleString('en')} clients × ${stormEach.toLocaleString('en')}`,
    '/s',
    'higher',
  )
  recorder.metric('storm.peakHeap', 'peak heap growth during the storm', 'B', 'lower')
  recorder.metric('live.p99Quiet', `live subscribers' p99 (${liveRate}/s), no storm`, 'ms', 'lower')
  recorder.metric('live.p99Storm', `live subscribers' p99 (${liveRate}/s), during the storm`, 'ms', 'lower')
  ctx.log('replay: building the backlog')
  const filename = join(ctx.tmpDir, 'replay.db')
  const built = await buildBacklog(
    filename,
    {
      large: { events: backlog, resume: backlog },
      small: { events: smallBacklog, resume: smallBacklog },
      storm: { events: stormEach + 100, resume: stormEach },
    },
    payloadBytes,
  )
  const clients = await Fleet.start(1)
  const live = await Fleet.start(1)
  const liveSeconds = Math.max(1, (stormClients * stormEach) / 400_000)
  const livePhase: Phase = {
    rate: liveRate,
    count: Math.round(liveRate * liveSeconds),
    topics: ['live'],
    payloadBytes: 128,
    maxMs: liveSeconds * 1000 + 5_000,
    drainMs: 30_000,
  }
  try {
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of rotate(VARIANTS, rep)) {
        const target: TargetConfig = {
          kind: variant === 'raw-keyset' ? 'raw-keyset' : 'ours',
          store: { kind: 'sqlite', filename },
        }
        const { server, port } = await startServer(`replay:${variant}`, target)
        try {
          // Memory runs sample live heap (a full GC before each sample, every 10 ms), which slows the
          // replay, so throughput comes from a separate run without sampling.
          const replayOne = async (
            topic: 'large' | 'small',
            events: number,
            sampleMemory: boolean,
          ): Promise<{ perSec: number; peakHeap: number }> => {
            const base = await server.request<MemorySnapshot>('memory')
            await server.request('peakStart', sampleMemory ? { gc: true, intervalMs: 10 } : {})
            await clients.reset()
            await clients.connect({ port, groups: [{ topic, count: 1 }], lastEventId: built.resumeAfter[topic], latency: false })
            const report = await clients.waitFrames({ [topic]: events }, 120_000)
            const peak = await server.request<{ heapUsed: number }>('peakStop')
            await clients.disconnect()
            if (!report.complete) throw new Error(`${topic} replay incomplete: ${report.frames}/${events}`)
            return { perSec: report.frames / ((report.lastUs - report.connectUs) / 1e6), peakHeap: peak.heapUsed - base.heapUsed }
          }
          await replayOne('small', smallBacklog, false) // warm-up
          const small = await replayOne('small', smallBacklog, true)
          const large = await replayOne('large', backlog, true)
          const { perSec } = await replayOne('large', backlog, false)
          recorder.add(variant, 'single.perSec', perSec)
          recorder.add(variant, 'single.peakHeapLarge', large.peakHeap)
          recorder.add(variant, 'single.peakHeapSmall', small.peakHeap)

          await live.connect({ port, groups: [{ topic: 'live', count: liveSubscribers }] })
          const quiet = await runPhase(server, live, livePhase)
          recorder.add(variant, 'live.p99Quiet', quiet.latency.p99)
          const base = await server.request<MemorySnapshot>('memory')
          await server.request('peakStart')
          await clients.reset()
          const during = runPhase(server, live, livePhase)
          await clients.connect({
            port,
            groups: [{ topic: 'storm', count: stormClients }],
            lastEventId: built.resumeAfter.storm,
            latency: false,
          })
          const storm = await clients.waitFrames({ storm: stormEach }, 120_000)
          const peak = await server.request<{ heapUsed: number }>('peakStop')
          const liveOutcome = await during
          if (!storm.complete) throw new Error(`storm incomplete: ${storm.frames}/${stormClients * stormEach}`)
          recorder.add(variant, 'storm.perSec', storm.frames / ((storm.lastUs - storm.connectUs) / 1e6))
          recorder.add(variant, 'storm.peakHeap', peak.heapUsed - base.heapUsed)
          recorder.add(variant, 'live.p99Storm', summarize(liveOutcome.report.histogram).p99)
          ctx.log(
            `  replay rep ${rep + 1} ${variant}: single ${Math.round(perSec)}/s (peak live heap ${Math.round(small.peakHeap / 1024)} → ${Math.round(large.peakHeap / 1024)} KiB), storm ${Math.round(storm.frames / ((storm.lastUs - storm.connectUs) / 1e6))}/s, live p99 ${quiet.latency.p99} → ${liveOutcome.latency.p99} ms`,
          )
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  replay rep ${rep + 1} ${variant}: FAILED ${(error as Error).message}`)
        } finally {
          await endServer(server, false)
          await clients.disconnect()
          await live.disconnect()
        }
      }
    }
  } finally {
    await clients.stop()
    await live.stop()
  }
  return [recorder.result()]
}
