/**
 * Scenario 1, fan-out: subscribers on one topic (or many topics), events published open-loop in
 * the server process; deliveries/s, publish → receive p50/p99 and server CPU per delivery for
 * durable-sse, the raw ceilings and better-sse, repetitions alternating between them.
 * @module
 */
import { collectProfile, profileFlags, type RunContext, variantsOf } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import { type Comparison, ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import type { FanoutGroupSize } from '../lib/sizes.js'
import { type Phase, type PhaseOutcome, runSseTrial } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import { targetFor } from '../lib/variants.js'

/** Ratio columns of the fan-out tables. */
const FANOUT_COMPARISONS = [
  { label: 'ours / ceiling', a: 'ours', b: 'raw-net' },
  { label: 'ours / peer', a: 'ours', b: 'better-sse' },
]

/** Phases of a group as publish commands. */
function phasesOf(group: FanoutGroupSize, topics: string[], payloadBytes: number): Phase[] {
  return group.phases.map((phase) => {
    const seconds = phase.count / phase.rate
    return {
      rate: phase.rate,
      count: phase.count,
      topics,
      payloadBytes,
      maxMs: Math.ceil(seconds * 1000) + 5_000,
      drainMs: 30_000 + Math.ceil(seconds * 2000),
    }
  })
}

function declareMetrics(recorder: ScenarioRecorder, group: FanoutGroupSize): void {
  for (const phase of group.phases) {
    const at = `(${phase.label})`
    if (phase.key === 'capacity' || phase.key === 'load' || phase.key.startsWith('r')) {
      recorder.metric(`${phase.key}.deliveriesPerSec`, `deliveries/s ${at}`, '/s', 'higher')
    }
    recorder.metric(`${phase.key}.p50`, `p50 publish→receive ${at}`, 'ms', 'lower')
    recorder.metric(`${phase.key}.p99`, `p99 publish→receive ${at}`, 'ms', 'lower')
    if (phase.key !== 'single') recorder.metric(`${phase.key}.cpuNs`, `server CPU per delivery ${at}`, 'ns', 'lower')
    if (phase.key === 'capacity') {
      recorder.metric(`${phase.key}.framesPerRead`, `events per socket read ${at}`, '', 'higher')
      recorder.metric(`${phase.key}.bytesPerDelivery`, `bytes received per delivery ${at}`, 'B', 'lower')
    }
  }
}

function record(recorder: ScenarioRecorder, variant: string, group: FanoutGroupSize, outcomes: PhaseOutcome[]): void {
  group.phases.forEach((phase, i) => {
    const outcome = outcomes[i] as PhaseOutcome
    if (!outcome.complete)
      recorder.notes.push(`${variant} ${phase.key}: not every frame arrived (${outcome.deliveries} received)`)
    recorder.add(variant, `${phase.key}.deliveriesPerSec`, outcome.deliveriesPerSec)
    recorder.add(variant, `${phase.key}.p50`, outcome.latency.p50)
    recorder.add(variant, `${phase.key}.p99`, outcome.latency.p99)
    recorder.add(variant, `${phase.key}.cpuNs`, outcome.cpuNsPerDelivery)
    recorder.add(variant, `${phase.key}.framesPerRead`, outcome.framesPerRead)
    recorder.add(variant, `${phase.key}.bytesPerDelivery`, outcome.report.bytes / Math.max(1, outcome.deliveries))
  })
}

/** A fan-out table: a group, how its table reads, and which variants `--profile` records. */
export interface FanoutTable {
  /** The group (its id is the scenario's). */
  group: FanoutGroupSize
  /** Table title. */
  title: string
  /** Ratio columns. */
  comparisons: Comparison[]
  /** Variants profiled with `--profile` (the heaviest phase, three times as long). */
  profiled: string[]
  /** Extra parameters shown with the table. */
  params?: Record<string, unknown>
}

/** The table of a group of the fan-out scenario: ours beside the ceilings and the peer. */
function tableOf(ctx: RunContext, group: FanoutGroupSize): FanoutTable {
  const total = group.topics * group.perTopic
  return {
    group,
    title:
      group.topics === 1
        ? `Fan-out: ${total.toLocaleString('en')} subscribers on one topic`
        : `Fan-out: ${group.topics} topics × ${group.perTopic} subscribers`,
    comparisons: FANOUT_COMPARISONS,
    profiled: group.id === 'fanout-sweep-1k' || !ctx.args.profile ? [] : ['ours', 'raw-net', 'raw-http'],
  }
}

/** Runs one fan-out table: every repetition runs every variant, in rotating order. */
export async function runFanoutTable(ctx: RunContext, table: FanoutTable): Promise<ScenarioResult> {
  const { group } = table
  const { payloadBytes } = ctx.sizes.fanout
  const topics = Array.from({ length: group.topics }, (_, i) => `t${i}`)
  const groups = topics.map((topic) => ({ topic, count: group.perTopic }))
  const recorder = new ScenarioRecorder(group.id, table.title, group.variants, table.comparisons, {
    subscribers: group.topics * group.perTopic,
    topics: group.topics,
    payloadBytes,
    loadgens: group.loadgens,
    phases: group.phases,
    ...table.params,
    ...(ctx.baseline && group.variants.includes('ours-exp-baseline') && { baselineCommit: ctx.baseline }),
  })
  declareMetrics(recorder, group)
  const phases = phasesOf(group, topics, payloadBytes)
  const warmup: Phase = { rate: 200, count: 20, topics, payloadBytes, maxMs: 5_000, drainMs: 20_000 }
  const fleet = await Fleet.start(group.loadgens)
  try {
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of rotate(group.variants, rep)) {
        const started = Date.now()
        try {
          const outcomes = await runSseTrial({
            name: `${group.id}:${variant}`,
            target: targetFor(variant, ctx.tmpDir),
            fleet,
            groups,
            phases,
            warmup,
          })
          record(recorder, variant, group, outcomes)
          const summary = outcomes.map(
            (o, i) => `${group.phases[i]?.key} ${Math.round(o.deliveriesPerSec)}/s p99 ${o.latency.p99}ms`,
          )
          ctx.log(`  ${group.id} rep ${rep + 1} ${variant}: ${summary.join('; ')} (${Date.now() - started} ms)`)
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  ${group.id} rep ${rep + 1} ${variant}: FAILED ${(error as Error).message}`)
        }
      }
    }
    // Profile the heaviest phase alone (three times as many events).
    const last = phases[phases.length - 1] as Phase
    const profiled = { ...last, count: last.count * 3, maxMs: last.maxMs * 3 }
    for (const variant of table.profiled) {
      const name = `${group.id}-${group.phases[group.phases.length - 1]?.key}-${variant}`
      await runSseTrial({
        name,
        target: targetFor(variant, ctx.tmpDir),
        fleet,
        groups,
        phases: [profiled],
        warmup,
        nodeFlags: profileFlags(name),
      })
      collectProfile(ctx, name)
    }
  } finally {
    await fleet.stop()
  }
  return recorder.result()
}

/** Runs every fan-out group of the mode. */
export async function fanoutScenarios(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = []
  for (const group of ctx.sizes.fanout.groups) {
    if (!selected(group.id)) continue
    ctx.log(
      `${group.id}: ${group.topics} × ${group.perTopic} subscribers, variants ${variantsOf(ctx, group.variants).join(', ')}`,
    )
    results.push(await runFanoutTable(ctx, tableOf(ctx, { ...group, variants: variantsOf(ctx, group.variants) })))
  }
  return results
}
