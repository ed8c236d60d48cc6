/**
 * Issue 21's targets, checked against the `replica-storm` and `replica-xproc` medians: in a replay
 * storm, the primary's database CPU with a replica ≤ 0.2× without one and the replay throughput
 * ≥ 0.9×; cross-process p99 with a replica ≤ 1.5× without one (NOTIFY wake-ups, and the bus).
 * @module
 */
import { type BenchResults, medianOf, type TargetCheck } from './results.js'
import { ratio } from './stats.js'
import { check, fmt } from './target-check.js'

/** Largest share of the primary's CPU the storm may cost with a replica. */
const PRIMARY_CPU = 0.2
/** Smallest share of the throughput without a replica the storm must keep with one. */
const THROUGHPUT = 0.9
/** Largest cross-process p99 with a replica, as a multiple of the same without one. */
const P99 = 1.5

/** Issue 21's targets 1 and 2. */
export function replicaTargets(results: BenchResults): TargetCheck[] {
  const { scenarios } = results
  const storm = (metric: string, variant: string) => medianOf(scenarios, 'replica-storm', metric, variant)
  const params = scenarios.find((s) => s.id === 'replica-storm')?.params
  const size = params
    ? `${Number(params.browsers).toLocaleString('en')} browsers × ${Number(params.each).toLocaleString('en')} events, ${params.apps} app processes`
    : ''
  const cpu = ratio(storm('primaryCpuMs', 'with-replica'), storm('primaryCpuMs', 'primary-only'))
  const throughput = ratio(storm('perSec', 'with-replica'), storm('perSec', 'primary-only'))
  const xproc = (variant: string) => medianOf(scenarios, 'replica-xproc', 'p99', variant)
  const p99 = (wake: 'notify' | 'bus', label: string): TargetCheck => {
    const r = ratio(xproc(`${wake}-replica`), xproc(wake))
    return check(
      `replica-xproc-${wake}`,
      `(issue 21, target 2) cross-process p99 with a replica ≤ ${P99}× without one, ${label}`,
      r,
      P99,
      'atMost',
      `${fmt(r)}× (${fmt(xproc(`${wake}-replica`), 1)} vs ${fmt(xproc(wake), 1)} ms)`,
    )
  }
  return [
    check(
      'replica-storm-primary-cpu',
      `(issue 21, target 1) replay storm: the primary's database CPU with a replica ≤ ${PRIMARY_CPU}× without one`,
      cpu,
      PRIMARY_CPU,
      'atMost',
      `${fmt(cpu)}× (${fmt(storm('primaryCpuMs', 'with-replica'), 0)} vs ${fmt(storm('primaryCpuMs', 'primary-only'), 0)} ms; the replica ${fmt(storm('replicaCpuMs', 'with-replica'), 0)} ms; ${size})`,
    ),
    check(
      'replica-storm-throughput',
      `(issue 21, target 1) replay storm: replay throughput with a replica ≥ ${THROUGHPUT}× without one`,
      throughput,
      THROUGHPUT,
      'atLeast',
      `${fmt(throughput)}× (${fmt(storm('perSec', 'with-replica'), 0)} vs ${fmt(storm('perSec', 'primary-only'), 0)} events/s; ${size})`,
    ),
    p99('notify', 'NOTIFY wake-ups'),
    p99('bus', 'a NATS bus'),
  ]
}
