/**
 * The machine-readable result file: per scenario, each metric's samples per variant (one per
 * repetition) with median and spread, the ratio columns (ours / ceiling, ours / peer),
 * the target checks and the profiles.
 * @module
 */
import type { MachineInfo } from './machine.js'
import { type Aggregate, aggregate } from './stats.js'

/** How a metric compares: higher or lower is better. */
export type Better = 'higher' | 'lower'

/** One metric of a scenario, aggregated per variant. */
export interface MetricResult {
  /** Stable key, e.g. `deliveriesPerSec`. */
  key: string
  /** Human label. */
  label: string
  /** Unit, e.g. `/s`, `ms`, `B`. */
  unit: string
  /** Which direction is better. */
  better: Better
  /** Aggregate per variant. */
  values: Record<string, Aggregate>
}

/** A ratio column of a scenario's table. */
export interface Comparison {
  /** Column header, e.g. `ours / ceiling`. */
  label: string
  /** Numerator variant. */
  a: string
  /** Denominator variant. */
  b: string
}

/** One (sub-)scenario's results. */
export interface ScenarioResult {
  /** Stable id, e.g. `fanout-2k`. */
  id: string
  /** Human title. */
  title: string
  /** Sizes and settings it ran with. */
  params: Record<string, unknown>
  /** Variants in display order. */
  variants: string[]
  /** Ratio columns: the median of `a` over the median of `b`, per metric. */
  comparisons: Comparison[]
  /** Metrics. */
  metrics: MetricResult[]
  /** Remarks (failed trials, skipped variants). */
  notes: string[]
}

/** A target of issue 7, checked against the measured medians. */
export interface TargetCheck {
  /** Stable id. */
  id: string
  /** The target as the issue states it. */
  target: string
  /** What was measured. */
  measured: string
  /** Whether it holds (`null`: not measured in this run). */
  holds: boolean | null
}

/** Top functions of one CPU profile. */
export interface ProfileSummary {
  /** Which scenario and variant was profiled. */
  name: string
  /** Total sampled time, ms. */
  totalMs: number
  /** Heaviest functions by self time. */
  top: { fn: string; where: string; selfMs: number; selfPct: number }[]
  /** Self time grouped by area (ours, node:http/net, V8/GC, ...). */
  byArea: { area: string; selfPct: number }[]
}

/** The whole result file. */
export interface BenchResults {
  /** `full`, `quick` or `smoke`. */
  mode: string
  /** ISO start time. */
  startedAt: string
  /** Wall time of the run, s. */
  durationS: number
  /** The command that produced it. */
  command: string
  /** The machine and versions. */
  machine: MachineInfo
  /** Every scenario. */
  scenarios: ScenarioResult[]
  /** Target checks. */
  targets: TargetCheck[]
  /** CPU profiles (with `--profile`). */
  profiles: ProfileSummary[]
  /** The `--baseline` commit that ran as `ours-exp-baseline`, if any. */
  baseline?: string
}

/** Collects one scenario's samples across repetitions and variants. */
export class ScenarioRecorder {
  private readonly samples = new Map<string, Map<string, number[]>>()
  private readonly metricInfo = new Map<string, { label: string; unit: string; better: Better }>()
  readonly notes: string[] = []

  constructor(
    readonly id: string,
    readonly title: string,
    readonly variants: string[],
    readonly comparisons: Comparison[],
    readonly params: Record<string, unknown>,
  ) {}

  /** Declares a metric (display order is declaration order). */
  metric(key: string, label: string, unit: string, better: Better): void {
    this.metricInfo.set(key, { label, unit, better })
  }

  /** Records one repetition's value of `key` for `variant`. */
  add(variant: string, key: string, value: number): void {
    const byVariant = this.samples.get(key) ?? new Map<string, number[]>()
    this.samples.set(key, byVariant)
    const values = byVariant.get(variant) ?? []
    byVariant.set(variant, values)
    values.push(value)
  }

  /** The aggregated result. */
  result(): ScenarioResult {
    const metrics: MetricResult[] = []
    for (const [key, info] of this.metricInfo) {
      const values: Record<string, Aggregate> = {}
      for (const [variant, samples] of this.samples.get(key) ?? []) values[variant] = aggregate(samples)
      metrics.push({ key, ...info, values })
    }
    return {
      id: this.id,
      title: this.title,
      params: this.params,
      variants: this.variants,
      comparisons: this.comparisons,
      metrics,
      notes: this.notes,
    }
  }
}

/** The median of `metric` for `variant` in `scenario`, if measured. */
export function medianOf(scenarios: readonly ScenarioResult[], id: string, metric: string, variant: string): number | undefined {
  const value = scenarios.find((s) => s.id === id)?.metrics.find((m) => m.key === metric)?.values[variant]?.median
  return value !== undefined && Number.isFinite(value) ? value : undefined
}
