/**
 * Scenario 4, idle memory per subscriber: heap, RSS and Buffer memory per open SSE connection
 * after full GCs (`lib/idle-memory.ts`), for durable-sse, a raw `node:http` response held open, a raw socket and
 * better-sse; then the CPU one heartbeat round costs at that many connections.
 * @module
 */
import { sleep } from '../lib/clock.js'
import { type RunContext, variantsOf } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import { baselineConnections, idleMemoryPerConnection } from '../lib/idle-memory.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { endServer, startServer } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import { targetFor } from '../lib/variants.js'

/** Runs the idle-memory scenario. */
export async function memoryScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('memory')) return []
  const { subscribers, loadgens, heartbeatMs, heartbeatSeconds } = ctx.sizes.memory
  const variants = variantsOf(ctx, ctx.sizes.memory.variants)
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
      baseline: baselineConnections(subscribers),
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
          const memory = await idleMemoryPerConnection(server, port, fleet, subscribers)
          recorder.add(variant, 'heapPerConn', memory.heap)
          recorder.add(variant, 'rssPerConn', memory.rss)
          recorder.add(variant, 'buffersPerConn', memory.buffers)
          await sleep(heartbeatMs) // the first round after connecting
          const before = await server.request<{ cpuUs: number; atUs: number }>('cpu')
          await sleep(heartbeatSeconds * 1000)
          const after = await server.request<{ cpuUs: number; atUs: number }>('cpu')
          const rounds = (after.atUs - before.atUs) / 1000 / heartbeatMs
          recorder.add(variant, 'heartbeatMs', (after.cpuUs - before.cpuUs) / 1000 / rounds)
          ctx.log(
            `  memory rep ${rep + 1} ${variant}: heap ${Math.round(memory.heap)} B/conn, rss ${Math.round(memory.rss)} B/conn`,
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
