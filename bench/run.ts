/**
 * `npm run bench`: runs the benchmark scenarios of issues 7, 11 and 12 (durable-sse beside the raw
 * ceilings and the peers; many topics; many app processes on one Postgres; streams over several topics), writes
 * `bench/results/latest.json` and the generated part of BENCHMARKS.md. `--quick` and `--smoke` (CI)
 * write `bench/results/quick.tmp.json` / `smoke.tmp.json` only, `--only fanout,publish,...`, `--reps N`,
 * `--profile`, `--baseline <rev>`, `--report` (see `lib/args.ts`).
 * @module
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs, selected } from './lib/args.js'
import { registerBaseline } from './lib/baseline.js'
import { buildProcesses, removeBuild } from './lib/build.js'
import type { RunContext } from './lib/context.js'
import { loadAverage, machineInfo } from './lib/machine.js'
import { mergeResults } from './lib/merge.js'
import { MYSQL_URL, probeMysql } from './lib/mysql.js'
import { DATABASE_URL, probePostgres } from './lib/postgres.js'
import { writeReport } from './lib/report.js'
import type { BenchResults, ScenarioResult } from './lib/results.js'
import { sizesFor } from './lib/sizes.js'
import { checkTargets } from './lib/targets.js'
import { aiStreamsScenario } from './scenarios/ai-streams.js'
import { busPublishScenario } from './scenarios/bus-publish.js'
import { fanoutScenarios } from './scenarios/fanout.js'
import { manyTopicsScenarios } from './scenarios/many-topics.js'
import { memoryScenario } from './scenarios/memory.js'
import { multiTopicScenarios } from './scenarios/multi-topic.js'
import { opsScenario } from './scenarios/ops.js'
import { processesScenario } from './scenarios/processes.js'
import { publishScenarios } from './scenarios/publish.js'
import { relayScenario } from './scenarios/relay.js'
import { replayScenarios } from './scenarios/replay.js'
import { replicaStormScenario } from './scenarios/replica-storm.js'
import { replicaXprocScenario } from './scenarios/replica-xproc.js'
import { slowScenario } from './scenarios/slow.js'
import { xprocScenario } from './scenarios/xproc.js'

const args = parseArgs(process.argv.slice(2))
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
const latestFile = join(resultsDir, 'latest.json')
if (args.reportOnly) {
  const latest = JSON.parse(readFileSync(latestFile, 'utf8')) as BenchResults
  latest.targets = checkTargets(latest)
  writeReport(latest)
  console.log('BENCHMARKS.md re-rendered from bench/results/latest.json')
  process.exit(0)
}
const started = Date.now()
const loadAtStart = loadAverage()
const postgresVersion = await probePostgres()
if (postgresVersion === undefined && process.env.CI === 'true') {
  console.error(`no Postgres server at ${DATABASE_URL}: CI requires it`)
  process.exit(1)
}
if (postgresVersion === undefined) console.warn(`!!! no Postgres at ${DATABASE_URL}: Postgres scenarios are skipped`)
const mysqlVersion = await probeMysql()
if (mysqlVersion === undefined && process.env.CI === 'true') {
  console.error(`no MySQL server at ${MYSQL_URL}: CI requires it`)
  process.exit(1)
}
if (mysqlVersion === undefined) console.warn(`!!! no MySQL at ${MYSQL_URL}: MySQL scenarios are skipped`)

const tmpDir = mkdtempSync(join(tmpdir(), 'durable-sse-bench-'))
const baseline = args.baseline === undefined ? undefined : registerBaseline(args.baseline, tmpDir)
await buildProcesses()
const sizes = sizesFor(args.mode)
const ctx: RunContext = {
  args,
  sizes,
  reps: args.reps ?? sizes.reps,
  postgresUrl: postgresVersion === undefined ? undefined : DATABASE_URL,
  mysqlUrl: mysqlVersion === undefined ? undefined : MYSQL_URL,
  tmpDir,
  log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`),
  profiles: [],
  baseline,
}
const only = (id: string): boolean => selected(args, id)

const scenarios: ScenarioResult[] = []
let failed = false
const stages: [string, () => Promise<ScenarioResult[]>][] = [
  ['fanout', () => fanoutScenarios(ctx, only)],
  ['publish', () => publishScenarios(ctx, only)],
  ['xproc', () => xprocScenario(ctx, only)],
  ['relay', () => relayScenario(ctx, only)],
  ['bus-publish', () => busPublishScenario(ctx, only)],
  ['memory', () => memoryScenario(ctx, only)],
  ['multi-topic', () => multiTopicScenarios(ctx, only)],
  ['replay', () => replayScenarios(ctx, only)],
  ['slow', () => slowScenario(ctx, only)],
  ['many-topics', () => manyTopicsScenarios(ctx, only)],
  ['processes', () => processesScenario(ctx, only)],
  ['ai-streams', () => aiStreamsScenario(ctx, only)],
  ['ops', () => opsScenario(ctx, only)],
  ['replica-storm', () => replicaStormScenario(ctx, only)],
  ['replica-xproc', () => replicaXprocScenario(ctx, only)],
]
try {
  for (const [name, stage] of stages) {
    const stageStarted = Date.now()
    try {
      scenarios.push(...(await stage()))
    } catch (error) {
      failed = true
      ctx.log(`${name} FAILED: ${(error as Error).stack ?? error}`)
    }
    ctx.log(`${name} done in ${((Date.now() - stageStarted) / 1000).toFixed(1)} s`)
  }
} finally {
  rmSync(tmpDir, { recursive: true, force: true })
  removeBuild()
}

let results: BenchResults = {
  mode: args.mode,
  startedAt: new Date(started).toISOString(),
  durationS: Math.round((Date.now() - started) / 100) / 10,
  command: `npm run bench --${args.mode === 'full' ? '' : ` --${args.mode}`}${args.only.length ? ` --only ${args.only.join(',')}` : ''}${args.profile ? ' --profile' : ''}${baseline ? ` --baseline ${baseline}` : ''}`,
  machine: machineInfo(postgresVersion ?? 'not available', loadAtStart),
  scenarios,
  targets: [],
  profiles: ctx.profiles,
  baseline,
}
results.targets = checkTargets(results)

mkdirSync(resultsDir, { recursive: true })
// Only full runs make the published numbers (latest.json, BENCHMARKS.md); a partial full run updates
// its scenarios there. A quick or smoke run stays apart, so trying a change never overwrites them.
let file = args.mode === 'full' ? 'latest.json' : `${args.mode}.tmp.json`
if (args.mode === 'full' && args.only.length > 0) {
  const previous = existsSync(latestFile) ? (JSON.parse(readFileSync(latestFile, 'utf8')) as BenchResults) : undefined
  if (previous?.mode === 'full') results = mergeResults(previous, results)
  else file = 'partial.tmp.json'
}
writeFileSync(join(resultsDir, file), `${JSON.stringify(results, null, 2)}\n`)
ctx.log(`results: bench/results/${file}`)
if (file === 'latest.json' && !args.noReport) {
  writeReport(results)
  ctx.log('BENCHMARKS.md updated')
}
for (const target of results.targets)
  ctx.log(`target ${target.holds === null ? 'n/a ' : target.holds ? 'HOLDS' : 'MISS '} ${target.target}: ${target.measured}`)
const incomplete = scenarios.flatMap((s) => s.notes.filter((note) => note.includes('failed')).map((note) => `${s.id}: ${note}`))
if (incomplete.length > 0) console.error(`trials failed:\n  ${incomplete.join('\n  ')}`)
ctx.log(`done in ${results.durationS} s`)
process.exit(failed || (args.mode === 'smoke' && incomplete.length > 0) ? 1 : 0)
