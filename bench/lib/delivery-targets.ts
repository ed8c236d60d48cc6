/**
 * The targets of issue 19 (one-way delivery path), against the commit before it (`--baseline`,
 * same run): fan-out at 2k and 10k subscribers keeps its capacity and CPU per delivery, and streams
 * over several topics cost no more CPU per delivery or idle memory per connection than before.
 * @module
 */
import { type BenchResults, medianOf, type ScenarioResult, type TargetCheck } from './results.js'
import { ratio } from './stats.js'
import { fmt } from './target-check.js'

/** The commit before issue 19's work. */
export const ONE_WAY_BASELINE = 'd0c8057'
const CAPACITY_AT_LEAST = 0.97
const CPU_AT_MOST = 1.05
/** "No worse" for the multi-topic rows, with the 5 % of CPU (and 2 % of heap) this machine's noise allows. */
const MULTI_CPU_AT_MOST = 1.05
const MULTI_MEMORY_AT_MOST = 1.02
const STREAM_KINDS = ['ours', 'ours-10t', 'ours-10t-own']

/** The baseline variant beside `variant` (`ours-10t` → `ours-exp-baseline-10t`). */
const baselineOf = (variant: string): string => variant.replace(/^ours/, 'ours-exp-baseline')

/** `undefined` unless `scenarioId` ran beside {@link ONE_WAY_BASELINE}; else why it is not measured. */
function notBesideBaseline(scenarios: readonly ScenarioResult[], scenarioId: string): string | undefined {
  const commit = scenarios.find((s) => s.id === scenarioId)?.params.baselineCommit
  if (commit === ONE_WAY_BASELINE) return undefined
  return `not measured in this run (needs \`--only ${scenarioId} --baseline ${ONE_WAY_BASELINE}\`${commit === undefined ? '' : `; it ran beside ${commit}`})`
}

/** Ratios of `metrics` of each variant over its baseline in `scenarioId`; holds when each is on the right side of its limit. */
function againstBaseline(
  scenarios: readonly ScenarioResult[],
  id: string,
  target: string,
  scenarioId: string,
  variants: readonly string[],
  metrics: readonly { key: string; label: string; limit: number; kind: 'atLeast' | 'atMost'; unit: string }[],
): TargetCheck {
  const missing = notBesideBaseline(scenarios, scenarioId)
  if (missing) return { id, target, measured: missing, holds: null }
  const parts: string[] = []
  let holds: boolean | null = true
  for (const metric of metrics) {
    for (const variant of variants) {
      const ours = medianOf(scenarios, scenarioId, metric.key, variant)
      const before = medianOf(scenarios, scenarioId, metric.key, baselineOf(variant))
      const r = ratio(ours, before)
      if (!Number.isFinite(r)) holds = null
      else if (holds !== null && (metric.kind === 'atLeast' ? r < metric.limit : r > metric.limit)) holds = false
      const scale = metric.unit === '/s' ? 1_000 : 1
      const unit = metric.unit === '/s' ? 'k/s' : ` ${metric.unit}`
      parts.push(
        `${metric.label}${variants.length > 1 ? ` ${variant}` : ''} ${fmt(r)}× (${fmt((ours ?? 0) / scale, 0)} vs ${fmt((before ?? 0) / scale, 0)}${unit})`,
      )
    }
  }
  return { id, target, measured: parts.join('; '), holds }
}

/** Checks issue 19's targets. */
export function deliveryTargets(results: BenchResults): TargetCheck[] {
  const s = results.scenarios
  const capacity = {
    key: 'capacity.deliveriesPerSec',
    label: 'capacity',
    limit: CAPACITY_AT_LEAST,
    kind: 'atLeast',
    unit: '/s',
  } as const
  const cpu = (phase: string, label: string, limit: number) =>
    ({ key: `${phase}.cpuNs`, label, limit, kind: 'atMost', unit: 'ns' }) as const
  return [
    againstBaseline(
      s,
      'one-way-fanout-2k',
      `(issue 19) fan-out to 2,000 subscribers against ${ONE_WAY_BASELINE}, same run: capacity ≥ ${CAPACITY_AT_LEAST}×, CPU per delivery ≤ ${CPU_AT_MOST}× (20 events/s and saturating)`,
      'fanout-2k',
      ['ours'],
      [capacity, cpu('unloaded', 'CPU at 20 events/s', CPU_AT_MOST), cpu('capacity', 'CPU saturating', CPU_AT_MOST)],
    ),
    againstBaseline(
      s,
      'one-way-fanout-10k',
      `(issue 19) fan-out to 10,000 subscribers against ${ONE_WAY_BASELINE}, same run: capacity ≥ ${CAPACITY_AT_LEAST}×, CPU per delivery ≤ ${CPU_AT_MOST}× (saturating)`,
      'fanout-10k',
      ['ours'],
      [capacity, cpu('capacity', 'CPU saturating', CPU_AT_MOST)],
    ),
    againstBaseline(
      s,
      'one-way-multi-topic-cpu',
      `(issue 19) streams over 10 topics (and one) against ${ONE_WAY_BASELINE}, same run: CPU per delivery ≤ ${MULTI_CPU_AT_MOST}× (20 events/s and saturating)`,
      'multi-topic-fanout',
      STREAM_KINDS,
      [cpu('unloaded', 'CPU at 20 events/s', MULTI_CPU_AT_MOST), cpu('capacity', 'CPU saturating', MULTI_CPU_AT_MOST)],
    ),
    againstBaseline(
      s,
      'one-way-multi-topic-memory',
      `(issue 19) streams over 10 topics (and one) against ${ONE_WAY_BASELINE}, same run: idle heap per connection ≤ ${MULTI_MEMORY_AT_MOST}×`,
      'multi-topic-memory',
      STREAM_KINDS,
      [{ key: 'heapPerConn', label: 'heap', limit: MULTI_MEMORY_AT_MOST, kind: 'atMost', unit: 'B' }],
    ),
  ]
}
