/**
 * Writes the generated part of BENCHMARKS.md (between the `generated` markers) from a result
 * file: the run and the machine, the targets, one table per scenario (every variant's median
 * with its spread, and the ratio columns), the profiles. Text outside the markers is kept.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { formatAggregate, formatRatio } from './format.js'
import { MERGED_COMMANDS } from './merge.js'
import type { BenchResults, ProfileSummary, ScenarioResult } from './results.js'
import { ratio } from './stats.js'
import { VARIANT_NOTES } from './variants.js'

const START = '<!-- generated:start (bench/run.ts rewrites everything down to generated:end) -->'
const END = '<!-- generated:end -->'
const FILE = fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url))

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

function scenarioSection(scenario: ScenarioResult): string {
  const header = ['metric', ...scenario.variants, ...scenario.comparisons.map((c) => c.label)]
  const rows = scenario.metrics.map((metric) => [
    `${metric.label}${metric.better === 'higher' ? ' ↑' : ' ↓'}`,
    ...scenario.variants.map((variant) => formatAggregate(metric.values[variant], metric.unit)),
    ...scenario.comparisons.map((c) => formatRatio(ratio(metric.values[c.a]?.median, metric.values[c.b]?.median))),
  ])
  const params = Object.entries(scenario.params)
    .filter(([, value]) => typeof value !== 'object')
    .map(([key, value]) => `${key} ${value}`)
    .join(', ')
  const notes = scenario.notes.length ? `\n\nNotes: ${[...new Set(scenario.notes)].join('; ')}.` : ''
  return `### ${scenario.title} (\`${scenario.id}\`)\n\n${params}\n\n${table(header, rows)}${notes}`
}

function profileSection(profile: ProfileSummary): string {
  const areas = profile.byArea
    .filter((a) => a.selfPct >= 1)
    .map((a) => `${a.area} ${a.selfPct}%`)
    .join(', ')
  const rows = profile.top.map((f) => [`\`${f.fn}\``, f.where ? `\`${f.where}\`` : '', `${f.selfPct}%`])
  return `#### \`${profile.name}\` (${profile.totalMs} ms sampled, idle excluded)\n\nBy area: ${areas}\n\n${table(['function', 'where', 'self'], rows)}`
}

/** Which `--baseline` commit ran as `ours-exp-baseline` in which scenarios (a merged file may hold several). */
function baselineNotes(results: BenchResults): string[] {
  const byCommit = new Map<string, string[]>()
  for (const scenario of results.scenarios) {
    if (!scenario.variants.some((variant) => variant.startsWith('ours-exp-baseline'))) continue
    const commit = String(scenario.params.baselineCommit ?? results.baseline ?? 'unknown')
    byCommit.set(commit, [...(byCommit.get(commit) ?? []), `\`${scenario.id}\``])
  }
  return [...byCommit].map(
    ([commit, ids]) =>
      `- \`ours-exp-baseline\`: durable-sse's \`src/\` at commit ${commit} (\`--baseline\`; the adapters are this tree's), in ${ids.join(', ')}: before/after`,
  )
}

/** The generated section for `results`. */
export function renderGenerated(results: BenchResults): string {
  const m = results.machine
  const lines: string[] = []
  const commands = results.command.split(MERGED_COMMANDS)
  lines.push(START, '', `## Latest run: \`${commands.at(-1)}\` (${results.mode})`, '')
  if (commands.length > 1)
    lines.push(
      'Merged into the results of the earlier runs, oldest first:',
      '',
      ...commands.slice(0, -1).map((c) => `- \`${c}\``),
      '',
    )
  lines.push(
    `${results.startedAt}, ${results.durationS} s. Every cell is the median of the repetitions, ± half their range as a share of the median; ratio columns divide medians (↑ higher is better, ↓ lower is better).`,
    '',
  )
  if (new Set(results.scenarios.map((s) => s.params.measured)).size > 1)
    lines.push(
      "The scenarios come from several runs (`--only` merges): the machine below is the latest run's; each table says when and on which CPU it was measured.",
      '',
    )
  lines.push(
    table(
      ['machine', ''],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['memory', `${m.memoryGiB} GiB`],
        ['kernel', m.kernel],
        ['Node', m.node],
        ['Postgres', m.postgres],
        ['open files limit', m.openFilesLimit],
        ['load average (1, 5, 15 min) at start', m.loadAverageAtStart.join(', ')],
        ...(m.loadAverageAtEnd ? [['load average at end', m.loadAverageAtEnd.join(', ')]] : []),
        [
          'packages',
          Object.entries(m.packages)
            .map(([name, version]) => `${name} ${version}`)
            .join(', '),
        ],
      ],
    ),
  )
  lines.push('', '### Targets', '')
  lines.push(
    table(
      ['target', 'measured (medians)', 'holds'],
      results.targets.map((t) => [t.target, t.measured, t.holds === null ? 'not measured' : t.holds ? '**yes**' : '**no**']),
    ),
  )
  lines.push('', '### Variants', '')
  for (const [variant, note] of Object.entries(VARIANT_NOTES)) lines.push(`- \`${variant}\`: ${note}`)
  lines.push(...baselineNotes(results))
  for (const scenario of results.scenarios) lines.push('', scenarioSection(scenario))
  if (results.profiles.length > 0) {
    lines.push('', '### CPU profiles (`--profile`)', '')
    for (const profile of results.profiles) lines.push(profileSection(profile), '')
  }
  lines.push('', END)
  return lines.join('\n')
}

const SKELETON = `# Benchmarks

Generated by \`npm run bench\`; see the notes after the generated section.

${START}
${END}
`

/** Rewrites the generated section of BENCHMARKS.md (creating the file when missing). */
export function writeReport(results: BenchResults): void {
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : SKELETON
  const start = current.indexOf(START)
  const end = current.indexOf(END)
  const body =
    start >= 0 && end > start
      ? current.slice(0, start) + renderGenerated(results) + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${renderGenerated(results)}\n`
  writeFileSync(FILE, body)
}
