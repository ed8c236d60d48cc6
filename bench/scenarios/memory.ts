/**
 * Scenario 4, idle memory per subscriber: heap, RSS and Buffer memory per open SSE connection
 * after full GCs (the difference between a small and a large connection count, so fixed costs
 * cancel out), for durable-sse, a raw `node:http` response held open, a raw socket and
 * better-sse; then the CPU one heartbeat round costs at that many connections.
 * @module
 */
import { sleep } from '../lib/clock.js'
import { type RunContext, variantsOf } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import type { MemorySnapshot } from '../lib/memory.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { endServer, startServer } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import { targetFor } from '../lib/variants.js'

/** Runs the idle-memory scenario. */
export async function memoryScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('memory')) return []
  const { subscribers, loadgens, heartbeatMs, heartbeatSeconds } = ctx.sizes.memory
  const variants = variantsOf(ctx, ctx.sizes.memory.variants)
  /** Connections before the first reading: fixed costs (first request, JIT) fall before it. */
  const BASELINE = Math.min(100, Math.floor(subscribers / 10))
  const recorder = new ScenarioRecorder(
    'memory',
    `Idle memory per subscriber at ${subscribers.toLocaleString('en')} connections, and heartbeat CPU`,
    variants,
    [
      { label: 'ours / raw node:http', a: 'ours', b: 'raw-http' },
      { label: 'ours / better-sse', a: 'ours', b: 'better-sse' },
    ],
    {
      subscribers,
      baseline: BASELINE,
      heartbeatMs,
      heartbeatSeconds,
      ...(ctx.baseline && { baselineCommit: ctx.baseline }),
    },
  )
  recorder.metric('heapPerConn', 'V8 heap per connection (after GC)', 'B', 'lower')
  recorder.metric('rssPerConn', 'RSS per connection (after GC)', 'B', 'lower')
  recorder.metric('buffersPerConn', 'external + ArrayBuffer memory per connection', 'B', 'lower')
  recorder.metric('heartbeatMs', `server CPU per heartbeat round at ${subscribers.toLocaleString('en')}`, 'ms', 'lower')
  ctx.log(`memory: ${subscribers} connections, variants ${variants.join(', ')}`)
  const fleet = await Fleet.start(loadgens)
  try {
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of rotate(variants, rep)) {
        const { server, port } = await startServer(`memory:${variant}`, targetFor(variant, ctx.tmpDir, { heartbeatMs }))
        try {
          const connectAndSettle = async (count: number, total: number): Promise<MemorySnapshot> => {
            await fleet.connect({ port, groups: [{ topic: 't0', count }] })
            const { subscribers: registered } = await server.request<{ subscribers: number }>('waitSubscribers', {
              count: total,
              timeoutMs: 30_000,
            })
            if (registered < total) throw new Error(`${registered}/${total} subscribers registered`)
            await sleep(50)
            return server.request<MemorySnapshot>('memory')
          }
          const base = await connectAndSettle(BASELINE, BASELINE)
          const full = await connectAndSettle(subscribers - BASELINE, subscribers)
          const per = (key: keyof MemorySnapshot): number => (full[key] - base[key]) / (subscribers - BASELINE)
          recorder.add(variant, 'heapPerConn', per('heapUsed'))
          recorder.add(variant, 'rssPerConn', per('rss'))
          recorder.add(variant, 'buffersPerConn', per('external') + per('arrayBuffers'))
          await sleep(heartbeatMs) // the first round after connecting
          const before = await server.request<{ cpuUs: number; atUs: number }>('cpu')
          await sleep(heartbeatSeconds * 1000)
          const after = await server.request<{ cpuUs: number; atUs: number }>('cpu')
          const rounds = (after.atUs - before.atUs) / 1000 / heartbeatMs
          recorder.add(variant, 'heartbeatMs', (after.cpuUs - before.cpuUs) / 1000 / rounds)
          ctx.log(
            `  memory rep ${rep + 1} ${variant}: heap ${Math.round(per('heapUsed'))} B/conn, rss ${Math.round(per('rss'))} B/conn`,
          )
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  memory rep ${rep + 1} ${variant}: FAILED ${(error as Error).message}`)
        } finally {
          await endServer(server, false)
          await fleet.disconnect()
        }
      }
    }
  } finally {
    await fleet.stop()
  }
  return [recorder.result()]
}
