/**
 * Merging a partial run (`--only`) into the previous result file of the same mode: its scenarios
 * replace the previous ones in place (new ones are appended), profiles are replaced by name, the
 * `--baseline` commit is kept, and the targets are checked again.
 * @module
 */
import type { BenchResults, ScenarioResult } from './results.js'
import { checkTargets } from './targets.js'

/** A kept scenario with the `--baseline` commit it ran beside written into its params (files before that kept it run-wide). */
function withBaseline(scenario: ScenarioResult, commit: string | undefined): ScenarioResult {
  const ran = scenario.variants.some((variant) => variant.startsWith('ours-exp-baseline'))
  if (!ran || commit === undefined || scenario.params.baselineCommit !== undefined) return scenario
  return { ...scenario, params: { ...scenario.params, baselineCommit: commit } }
}

/** `previous` updated with `partial`'s scenarios and profiles. */
export function mergeResults(previous: BenchResults, partial: BenchResults): BenchResults {
  const fresh = new Map(partial.scenarios.map((scenario) => [scenario.id, scenario]))
  const scenarios = previous.scenarios.map((scenario) => fresh.get(scenario.id) ?? withBaseline(scenario, previous.baseline))
  for (const scenario of partial.scenarios) if (!previous.scenarios.some((s) => s.id === scenario.id)) scenarios.push(scenario)
  const names = new Set(partial.profiles.map((profile) => profile.name))
  const merged: BenchResults = {
    ...partial,
    command: `${previous.command}, then ${partial.command}`,
    scenarios,
    profiles: [...previous.profiles.filter((profile) => !names.has(profile.name)), ...partial.profiles],
    baseline: partial.baseline ?? previous.baseline,
  }
  merged.targets = checkTargets(merged)
  return merged
}
