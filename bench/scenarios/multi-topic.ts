/**
 * The multi-topic scenario (issue 12): streams over 10 topics beside one-topic streams. Fan-out to
 * the `fanout-2k` group's subscribers of one published topic, where each connection is a stream
 * over that topic and 9 quiet ones (`ours-10t`: the same 9 for every stream; `ours-10t-own`: its
 * own 9, so the process tails 9 more topics per connection) or a one-topic stream (`ours`), with
 * the fan-out scenario's phases and load generators: deliveries/s, latency and server CPU per
 * delivery. Then idle memory per connection at the `memory` scenario's connection count, by its
 * method. Every `id:` of a 10-topic stream is its cursor (about 150 bytes), the rest of each frame
 * is shared. With `--baseline`, that commit's `src/` runs the same three kinds of stream beside
 * ours (`ours-exp-baseline`, `-10t`, `-10t-own`; the commit must have streams over several topics).
 * @module
 */
import type { RunContext } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import { baselineConnections, idleMemoryPerConnection } from '../lib/idle-memory.js'
import { type Comparison, ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { endServer, startServer } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import { targetFor } from '../lib/variants.js'
import { runFanoutTable } from './fanout.js'

/** The fan-out group whose sizes and phases the fan-out table reuses. */
const FANOUT_GROUP = 'fanout-2k'

/** Ratio columns: each multi-topic variant over the one-topic stream, and each kind of stream over the baseline's. */
function comparisonsOf(variants: readonly string[]): Comparison[] {
  const ours = variants.filter((v) => !v.startsWith('ours-exp-'))
  const overOne = ours.filter((v) => v !== 'ours').map((variant) => ({ label: `${variant} / ours`, a: variant, b: 'ours' }))
  const overBaseline = ours
    .map((variant) => ({ variant, before: variant.replace(/^ours/, 'ours-exp-baseline') }))
    .filter(({ before }) => variants.includes(before))
    .map(({ variant, before }) => ({ label: `${variant} / baseline`, a: variant, b: before }))
  return [...overOne, ...overBaseline]
}

/** The mode's kinds of stream, and with `--baseline` the same kinds on that commit. */
function variantsOf(ctx: RunContext): string[] {
  const { variants } = ctx.sizes.multiTopic
  if (!ctx.baseline) return [...variants]
  return [...variants, ...variants.map((variant) => variant.replace(/^ours/, 'ours-exp-baseline'))]
}

/** Idle memory per connection of each variant, by the memory scenario's method. */
async function memoryTable(ctx: RunContext, variants: string[]): Promise<ScenarioResult> {
  const { subscribers, loadgens } = ctx.sizes.memory
  const recorder = new ScenarioRecorder(
    'multi-topic-memory',
    `Multi-topic streams: idle memory per connection at ${subscribers.toLocaleString('en')} connections, streams over 10 topics or one`,
    variants,
    comparisonsOf(variants),
    {
      subscribers,
      baseline: baselineConnections(subscribers),
      quietTopics: 9,
      ...(ctx.baseline && { baselineCommit: ctx.baseline }),
    },
  )
  recorder.metric('heapPerConn', 'V8 heap per connection (after GC)', 'B', 'lower')
  recorder.metric('rssPerConn', 'RSS per connection (after GC)', 'B', 'lower')
  recorder.metric('buffersPerConn', 'external + ArrayBuffer memory per connection', 'B', 'lower')
  ctx.log(`multi-topic-memory: ${subscribers} connections, variants ${variants.join(', ')}`)
  const fleet = await Fleet.start(loadgens)
  try {
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of rotate(variants, rep)) {
        const { server, port } = await startServer(`multi-topic-memory:${variant}`, targetFor(variant, ctx.tmpDir))
        try {
          const memory = await idleMemoryPerConnection(server, port, fleet, subscribers)
          recorder.add(variant, 'heapPerConn', memory.heap)
          recorder.add(variant, 'rssPerConn', memory.rss)
          recorder.add(variant, 'buffersPerConn', memory.buffers)
          ctx.log(
            `  multi-topic-memory rep ${rep + 1} ${variant}: heap ${Math.round(memory.heap)} B/conn, rss ${Math.round(memory.rss)} B/conn`,
          )
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  multi-topic-memory rep ${rep + 1} ${variant}: FAILED ${(error as Error).message}`)
        } finally {
          await endServer(server, false)
          await fleet.disconnect()
        }
      }
    }
  } finally {
    await fleet.stop()
  }
  return recorder.result()
}

/** Runs the multi-topic tables. */
export async function multiTopicScenarios(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  const variants = variantsOf(ctx)
  const results: ScenarioResult[] = []
  const group = ctx.sizes.fanout.groups.find((g) => g.id === FANOUT_GROUP)
  if (selected('multi-topic-fanout') && group) {
    const subscribers = group.topics * group.perTopic
    ctx.log(`multi-topic-fanout: ${subscribers} subscribers of one topic, variants ${variants.join(', ')}`)
    results.push(
      await runFanoutTable(ctx, {
        group: { ...group, id: 'multi-topic-fanout', variants },
        title: `Multi-topic streams: fan-out to ${subscribers.toLocaleString('en')} subscribers of one topic, streams over 10 topics (9 quiet) or one`,
        comparisons: comparisonsOf(variants),
        profiled: ctx.args.profile ? variants : [],
        params: { quietTopics: 9, sizesOf: FANOUT_GROUP },
      }),
    )
  }
  if (selected('multi-topic-memory')) results.push(await memoryTable(ctx, variants))
  return results
}
