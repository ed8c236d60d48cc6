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

/** Capacity and CPU per delivery of `fanout-2k` against the redesign's baseline, in the same run. */
function unchangedByRedesign(scenarios: readonly ScenarioResult[]): TargetCheck {
  const id = 'redesign-fanout-2k'
  const target = `(issue 12) fan-out to 2,000 subscribers on one topic unchanged by the redesign (against ${REDESIGN_BASELINE}, same run): capacity ≥ ${CAPACITY_AT_LEAST}×, CPU per delivery ≤ ${CPU_AT_MOST}×`
  const scenario = scenarios.find((s) => s.id === 'fanout-2k')
  const commit = scenario?.params.baselineCommit
  if (commit !== REDESIGN_BASELINE) {
    const measured = `not measured in this run (needs \`--only fanout-2k --baseline ${REDESIGN_BASELINE}\`${commit === undefined ? '' : `; fanout-2k ran beside ${commit}`})`
    return { id, target, measured, holds: null }
  }
  const m = (metric: string, variant: string): number | undefined => medianOf(scenarios, 'fanout-2k', metric, variant)
  const capacity = ratio(m('capacity.deliveriesPerSec', 'ours'), m('capacity.deliveriesPerSec', 'ours-exp-baseline'))
  const cpu = ratio(m('capacity.cpuNs', 'ours'), m('capacity.cpuNs', 'ours-exp-baseline'))
  const holds = [capacity, cpu].every(Number.isFinite) ? capacity >= CAPACITY_AT_LEAST && cpu <= CPU_AT_MOST : null
  const measured = `capacity ${fmt(capacity)}× (${fmt((m('capacity.deliveriesPerSec', 'ours') ?? 0) / 1000, 0)}k vs ${fmt((m('capacity.deliveriesPerSec', 'ours-exp-baseline') ?? 0) / 1000, 0)}k deliveries/s), CPU per delivery ${fmt(cpu)}× (${fmt(m('capacity.cpuNs', 'ours'), 0)} vs ${fmt(m('capacity.cpuNs', 'ours-exp-baseline'), 0)} ns)`
  return { id, target, measured, holds }
}

/** `metric` of each multi-topic variant over the one-topic stream's, in scenario `scenarioId`, checked against `limit`. */
function multiOverOne(
  scenarios: readonly ScenarioResult[],
  id: string,
  target: string,
  scenarioId: string,
  metric: string,
  limit: number,
  unit: string,
): TargetCheck {
  const one = medianOf(scenarios, scenarioId, metric, 'ours')
  const ratios = MULTI_VARIANTS.map((variant) => ({ variant, value: medianOf(scenarios, scenarioId, metric, variant) })).map(
    ({ variant, value }) => ({ variant, value, ratio: ratio(value, one) }),
  )
  const worst = Math.max(...ratios.map((r) => r.ratio))
  const measured = `${ratios.map((r) => `${r.variant} ${fmt(r.ratio)}× (${fmt(r.value, 0)} ${unit})`).join(', ')}; one topic ${fmt(one, 0)} ${unit}`
  return check(id, target, ratios.every((r) => Number.isFinite(r.ratio)) ? worst : undefined, limit, 'atMost', measured)
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
      `(issue 12) a stream over 10 topics (9 quiet: shared / its own) ≤ ${MULTI_CPU_AT_MOST}× the server CPU per delivery of a one-topic stream (${subscribers} subscribers of one topic, saturating)`,
      'multi-topic-fanout',
      'capacity.cpuNs',
      MULTI_CPU_AT_MOST,
      'ns',
    ),
    multiOverOne(
      s,
      'multi-topic-memory',
      `(issue 12) a stream over 10 topics (9 quiet: shared / its own) ≤ ${MULTI_MEMORY_AT_MOST}× the idle heap per connection of a one-topic stream`,
      'multi-topic-memory',
      'heapPerConn',
      MULTI_MEMORY_AT_MOST,
      'B',
    ),
  ]
}
