/**
 * Merging a partial run (`--only`) into the previous result file of the same mode: its scenarios
 * replace the previous ones in place (new ones are appended), every scenario keeps when, where and
 * beside which `--baseline` commit it was measured, profiles are replaced by name, and the targets
 * are checked again. The file's `machine` is the latest run's.
 * @module
 */
import type { BenchResults, ScenarioResult } from './results.js'
import { checkTargets } from './targets.js'

/** What joins the commands of merged runs in a result file's `command`, oldest first. */
export const MERGED_COMMANDS = ', then '

/**
 * `scenario` with where it came from written into its params, once: when and on which CPU it was
 * measured, and the `--baseline` commit it ran beside (a merged file holds scenarios of several runs).
 */
function stamped(scenario: ScenarioResult, run: BenchResults): ScenarioResult {
  const params = { ...scenario.params }
  params.measured ??= `${run.startedAt.slice(0, 10)} on ${run.machine.cpu} (kernel ${run.machine.kernel})`
  if (run.baseline !== undefined && scenario.variants.some((variant) => variant.startsWith('ours-exp-baseline')))
    params.baselineCommit ??= run.baseline
  return { ...scenario, params }
}

/** `previous` updated with `partial`'s scenarios and profiles. */
export function mergeResults(previous: BenchResults, partial: BenchResults): BenchResults {
  const fresh = new Map(partial.scenarios.map((scenario) => [scenario.id, stamped(scenario, partial)]))
  const scenarios = previous.scenarios.map((scenario) => fresh.get(scenario.id) ?? stamped(scenario, previous))
  for (const scenario of fresh.values()) if (!previous.scenarios.some((s) => s.id === scenario.id)) scenarios.push(scenario)
  const names = new Set(partial.profiles.map((profile) => profile.name))
  const merged: BenchResults = {
    ...partial,
    command: `${previous.command}${MERGED_COMMANDS}${partial.command}`,
    scenarios,
    profiles: [...previous.profiles.filter((profile) => !names.has(profile.name)), ...partial.profiles],
    baseline: partial.baseline ?? previous.baseline,
  }
  merged.targets = checkTargets(merged)
  return merged
}
