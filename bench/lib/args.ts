/**
 * Command-line flags of `bench/run.ts`.
 * @module
 */

/** How big the run is: `full` (the published numbers), `quick` (about 5 min), `smoke` (CI, about a minute). */
export type Mode = 'full' | 'quick' | 'smoke'

/** Parsed flags. */
export interface BenchArgs {
  /** Run size. */
  mode: Mode
  /** Scenario ids (or prefixes) to run; empty means all. */
  only: string[]
  /** Also record CPU profiles of ours in the targeted scenarios. */
  profile: boolean
  /** Repetitions per scenario, overriding the mode's. */
  reps: number | undefined
  /** Do not write `BENCHMARKS.md` (results file only). */
  noReport: boolean
  /** Variants of the fan-out groups and the memory scenario, overriding the mode's (experiments). */
  variants: string[]
  /** A git revision whose `src/` also runs, as variant `ours-exp-baseline` (before/after). */
  baseline: string | undefined
  /** Only re-render BENCHMARKS.md from `bench/results/latest.json` (no measurements). */
  reportOnly: boolean
}

const USAGE = `usage: tsx bench/run.ts [--quick | --smoke] [--only fanout,publish,...] [--reps N] [--profile] [--no-report] [--report] [--variants ours,raw-http,...] [--baseline <git rev>]
  (default: full run; --quick: about 5 min; --smoke: tiny sizes, about a minute, checks that every scenario runs;
   --report: only re-render BENCHMARKS.md from bench/results/latest.json)`

/** Parses `argv` (without node and script); exits with usage on an unknown flag. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {
    mode: 'full',
    only: [],
    profile: false,
    reps: undefined,
    noReport: false,
    variants: [],
    baseline: undefined,
    reportOnly: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string
    const [name, inline] = flag.split('=', 2) as [string, string | undefined]
    const value = (): string => {
      const next = inline ?? argv[++i]
      if (next === undefined) fail(`${name} needs a value`)
      return next as string
    }
    if (name === '--quick') args.mode = 'quick'
    else if (name === '--smoke') args.mode = 'smoke'
    else if (name === '--full') args.mode = 'full'
    else if (name === '--only') args.only = value().split(',').filter(Boolean)
    else if (name === '--profile') args.profile = true
    else if (name === '--no-report') args.noReport = true
    else if (name === '--report') args.reportOnly = true
    else if (name === '--reps') args.reps = Number(value())
    else if (name === '--variants') args.variants = value().split(',').filter(Boolean)
    else if (name === '--baseline') args.baseline = value()
    else if (name === '--help' || name === '-h') fail('')
    else fail(`unknown flag ${flag}`)
  }
  return args
}

function fail(message: string): never {
  if (message) console.error(message)
  console.error(USAGE)
  process.exit(message ? 2 : 0)
}

/** Whether scenario `id` is selected by `--only`. */
export function selected(args: BenchArgs, id: string): boolean {
  return args.only.length === 0 || args.only.some((prefix) => id.startsWith(prefix))
}
