/**
 * The targets of issue 23 (operations), from the `ops-fanout-2k` scenario's medians: a filter that
 * passes every event costs at most 1.15× the CPU per delivery of no filter.
 * @module
 */
import { type BenchResults, medianOf, type TargetCheck } from './results.js'
import { ratio } from './stats.js'
import { check, fmt } from './target-check.js'

const FILTER_CPU_AT_MOST = 1.15

/** Checks issue 23's targets. */
export function opsTargets(results: BenchResults): TargetCheck[] {
  const cpu = (variant: string) => medianOf(results.scenarios, 'ops-fanout-2k', 'capacity.cpuNs', variant)
  const r = ratio(cpu('ours-filter'), cpu('ours'))
  return [
    check(
      'ops-filter-cpu',
      `(issue 23) a filter that passes every event: CPU per delivery ≤ ${FILTER_CPU_AT_MOST}× no filter (fan-out to 2,000, saturating)`,
      r,
      FILTER_CPU_AT_MOST,
      'atMost',
      `${fmt(r)}× (${fmt(cpu('ours-filter'), 0)} vs ${fmt(cpu('ours'), 0)} ns)`,
    ),
  ]
}
