/**
 * The targets of issue 12 (one stream, several topics): one-topic fan-out unchanged by the redesign
 * (against the commit before it, run beside ours with `--baseline`), and a stream over 10 topics at
 * most 1.15× the CPU per delivery and 1.2× the idle memory of a one-topic stream. Both
 * multi-topic variants are checked: 9 quiet topics shared by every stream, and 9 of its own.
 * @module
 */
import { type BenchResults, medianOf, type ScenarioResult, type TargetCheck } from './results.js'
import { ratio } from './stats.js'
import { check, fmt } from './target-check.js'

/** The commit before the redesign of issue 12 (the core split and multi-topic streams). */
export const REDESIGN_BASELINE = '7bf3ec4'
/** "Within noise" of the fan-out rows: the spread between repetitions on this machine is about ±10 %. */
const CAPACITY_AT_LEAST = 0.9
const CPU_AT_MOST = 1.1
/** Issue 12's limits for a stream over 10 topics against a one-topic stream. */
const MULTI_CPU_AT_MOST = 1.15
const MULTI_MEMORY_AT_MOST = 1.2
const MULTI_VARIANTS = ['ours-10t', 'ours-10t-own']

/** The phases whose CPU per delivery the targets compare: one event per batch, and batches as large as the load makes them. */
const CPU_PHASES = [
  { key: 'unloaded', label: '20 events/s' },
  { key: 'capacity', label: 'saturating' },
]

/** Capacity, and CPU per delivery in both phases, of `fanout-2k` against the redesign's baseline, in the same run. */
function unchangedByRedesign(scenarios: readonly ScenarioResult[]): TargetCheck {
  const id = 'redesign-fanout-2k'
  const target = `(issue 12) fan-out to 2,000 subscribers on one topic unchanged by the redesign (against ${REDESIGN_BASELINE}, same run): capacity ≥ ${CAPACITY_AT_LEAST}×, CPU per delivery ≤ ${CPU_AT_MOST}× at 20 events/s and saturating`
  const scenario = scenarios.find((s) => s.id === 'fanout-2k')
  const commit = scenario?.params.baselineCommit
  if (commit !== REDESIGN_BASELINE) {
    const measured = `not measured in this run (needs \`--only fanout-2k --baseline ${REDESIGN_BASELINE}\`${commit === undefined ? '' : `; fanout-2k ran beside ${commit}`})`
    return { id, target, measured, holds: null }
  }
  const m = (metric: string, variant: string): number | undefined => medianOf(scenarios, 'fanout-2k', metric, variant)
  const capacity = ratio(m('capacity.deliveriesPerSec', 'ours'), m('capacity.deliveriesPerSec', 'ours-exp-baseline'))
  const cpus = CPU_PHASES.map((phase) => ({
    ...phase,
    ours: m(`${phase.key}.cpuNs`, 'ours'),
    before: m(`${phase.key}.cpuNs`, 'ours-exp-baseline'),
  })).map((phase) => ({ ...phase, ratio: ratio(phase.ours, phase.before) }))
  const values = [capacity, ...cpus.map((phase) => phase.ratio)]
  const holds = values.every(Number.isFinite)
    ? capacity >= CAPACITY_AT_LEAST && cpus.every((phase) => phase.ratio <= CPU_AT_MOST)
    : null
  const measured = `capacity ${fmt(capacity)}× (${fmt((m('capacity.deliveriesPerSec', 'ours') ?? 0) / 1000, 0)}k vs ${fmt((m('capacity.deliveriesPerSec', 'ours-exp-baseline') ?? 0) / 1000, 0)}k deliveries/s); CPU per delivery ${cpus.map((phase) => `${phase.label} ${fmt(phase.ratio)}× (${fmt(phase.ours, 0)} vs ${fmt(phase.before, 0)} ns)`).join(', ')}`
  return { id, target, measured, holds }
}

/** `metrics` of each multi-topic variant over the one-topic stream's, in scenario `scenarioId`; the worst ratio is checked against `limit`. */
function multiOverOne(
  scenarios: readonly ScenarioResult[],
  id: string,
  target: string,
  scenarioId: string,
  metrics: readonly { key: string; label: string }[],
  limit: number,
  unit: string,
): TargetCheck {
  const parts: string[] = []
  const ratios: number[] = []
  for (const metric of metrics) {
    const one = medianOf(scenarios, scenarioId, metric.key, 'ours')
    const cells = MULTI_VARIANTS.map((variant) => {
      const value = medianOf(scenarios, scenarioId, metric.key, variant)
      ratios.push(ratio(value, one))
      return `${variant} ${fmt(ratio(value, one))}× (${fmt(value, 0)} ${unit})`
    })
    parts.push(`${metric.label ? `${metric.label}: ` : ''}${cells.join(', ')}, one topic ${fmt(one, 0)} ${unit}`)
  }
  const worst = ratios.every(Number.isFinite) ? Math.max(...ratios) : undefined
  return check(id, target, worst, limit, 'atMost', parts.join('; '))
}

/** Checks issue 12's targets. */
export function streamTargets(results: BenchResults): TargetCheck[] {
  const s = results.scenarios
  const fanout = s.find((x) => x.id === 'multi-topic-fanout')
  const subscribers = (fanout?.params.subscribers as number | undefined)?.toLocaleString('en') ?? '2,000'
  return [
    unchangedByRedesign(s),
    multiOverOne(
      s,
      'multi-topic-cpu',
      `(issue 12) a stream over 10 topics (9 quiet: shared / its own) ≤ ${MULTI_CPU_AT_MOST}× the server CPU per delivery of a one-topic stream (${subscribers} subscribers of one topic, at 20 events/s and saturating)`,
      'multi-topic-fanout',
      CPU_PHASES.map((phase) => ({ key: `${phase.key}.cpuNs`, label: phase.label })),
      MULTI_CPU_AT_MOST,
      'ns',
    ),
    multiOverOne(
      s,
      'multi-topic-memory',
      `(issue 12) a stream over 10 topics (9 quiet: shared / its own) ≤ ${MULTI_MEMORY_AT_MOST}× the idle heap per connection of a one-topic stream`,
      'multi-topic-memory',
      [{ key: 'heapPerConn', label: '' }],
      MULTI_MEMORY_AT_MOST,
      'B',
    ),
  ]
}
