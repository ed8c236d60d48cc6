/**
 * The targets of issue 23 (operations), from the `ops-fanout-2k` scenario's medians: a filter that
 * passes every event costs at most 1.15× the CPU per delivery of no filter; with an OpenTelemetry
 * SDK registered at most 1.1× without one; without one at most 1.02× the `--baseline` commit.
 * @module
 */
import { type BenchResults, medianOf, type TargetCheck } from './results.js'
import { ratio } from './stats.js'
import { check, fmt } from './target-check.js'

const FILTER_CPU_AT_MOST = 1.15
const SDK_CPU_AT_MOST = 1.1
const NO_SDK_CPU_AT_MOST = 1.02
/** The size the targets are stated at; a `--smoke` run's 50 subscribers measure nothing of them. */
const SUBSCRIBERS = 2_000

/** Checks issue 23's targets. */
export function opsTargets(results: BenchResults): TargetCheck[] {
  const scenario = results.scenarios.find((s) => s.id === 'ops-fanout-2k')
  const fullSize = scenario?.params.subscribers === SUBSCRIBERS
  const cpu = (variant: string) =>
    fullSize ? medianOf(results.scenarios, 'ops-fanout-2k', 'capacity.cpuNs', variant) : undefined
  const r = ratio(cpu('ours-filter'), cpu('ours'))
  const sdk = ratio(cpu('ours-otel'), cpu('ours'))
  const noSdk = ratio(cpu('ours'), cpu('ours-exp-baseline'))
  const baseline = scenario?.params.baselineCommit
  return [
    check(
      'ops-filter-cpu',
      `(issue 23) a filter that passes every event: CPU per delivery ≤ ${FILTER_CPU_AT_MOST}× no filter (fan-out to 2,000, saturating)`,
      r,
      FILTER_CPU_AT_MOST,
      'atMost',
      `${fmt(r)}× (${fmt(cpu('ours-filter'), 0)} vs ${fmt(cpu('ours'), 0)} ns)`,
    ),
    check(
      'ops-otel-sdk-cpu',
      `(issue 23) an OpenTelemetry SDK registered (tracing and metrics, in-memory exporters): CPU per delivery ≤ ${SDK_CPU_AT_MOST}× no SDK (fan-out to 2,000, saturating)`,
      sdk,
      SDK_CPU_AT_MOST,
      'atMost',
      `${fmt(sdk)}× (${fmt(cpu('ours-otel'), 0)} vs ${fmt(cpu('ours'), 0)} ns)`,
    ),
    check(
      'ops-otel-no-sdk-cpu',
      `(issue 23) no OpenTelemetry SDK: CPU per delivery ≤ ${NO_SDK_CPU_AT_MOST}× the commit before the work (\`--baseline\`, fan-out to 2,000, saturating)`,
      noSdk,
      NO_SDK_CPU_AT_MOST,
      'atMost',
      `${fmt(noSdk)}× (${fmt(cpu('ours'), 0)} vs ${fmt(cpu('ours-exp-baseline'), 0)} ns against ${String(baseline)})`,
    ),
  ]
}
