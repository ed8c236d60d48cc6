/**
 * Issue 20's target 4, checked against the `relay` scenario's medians: with the logical relay, a
 * `{ transaction }` publish reaches another process with p99 ≤ 50 ms.
 * @module
 */
import { type BenchResults, medianOf, type TargetCheck } from './results.js'
import { check, fmt } from './target-check.js'

/** p99 publish→receive allowed with the relay, ms. */
const RELAY_P99_MS = 50

/** The relay's target. */
export function relayTargets(results: BenchResults): TargetCheck[] {
  const m = (metric: string, variant: string): number | undefined => medianOf(results.scenarios, 'relay', metric, variant)
  const p99 = m('p99', 'relay')
  return [
    check(
      'relay-p99',
      `(issue 20, target 4) with the relay, a { transaction } publish reaches another process with p99 ≤ ${RELAY_P99_MS} ms`,
      p99,
      RELAY_P99_MS,
      'atMost',
      `p99 ${fmt(p99, 1)} ms, p50 ${fmt(m('p50', 'relay'), 1)} ms (NOTIFY p99 ${fmt(m('p99', 'notify'), 1)} ms, backstop p99 ${fmt(m('p99', 'backstop'), 1)} ms)`,
    ),
  ]
}
