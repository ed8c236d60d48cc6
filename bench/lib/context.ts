/**
 * What every scenario receives: the flags, the mode's sizes, a logger, where profiles go and
 * where the summaries of recorded profiles are collected.
 * @module
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchArgs } from './args.js'
import { summarizeProfile } from './cpu-profile.js'
import type { ProfileSummary } from './results.js'
import type { Sizes } from './sizes.js'

/** The run's shared state. */
export interface RunContext {
  /** Parsed flags. */
  args: BenchArgs
  /** Sizes of this mode. */
  sizes: Sizes
  /** Repetitions per scenario. */
  reps: number
  /** Postgres URL when a server answers, else `undefined`. */
  postgresUrl: string | undefined
  /** MySQL / MariaDB server URL (no database) when a server answers, else `undefined`. */
  mysqlUrl: string | undefined
  /** A scratch directory for database files. */
  tmpDir: string
  /** Progress output. */
  log: (line: string) => void
  /** Profiles recorded so far. */
  profiles: ProfileSummary[]
  /** The `--baseline` commit, when one runs as `ours-exp-baseline`. */
  baseline: string | undefined
}

/** The mode's variants of an SSE scenario, `--variants` overriding them, plus the baseline when given. */
export function variantsOf(ctx: RunContext, variants: readonly string[]): string[] {
  const chosen = ctx.args.variants.length ? [...ctx.args.variants] : [...variants]
  if (ctx.baseline && !chosen.includes('ours-exp-baseline')) chosen.splice(1, 0, 'ours-exp-baseline')
  return chosen
}

/** Directory of `.cpuprofile` files. */
export const PROFILE_DIR = fileURLToPath(new URL('../results/profiles/', import.meta.url))

/** An empty directory for the profiles named after `name`. */
export function profileDir(name: string): string {
  const dir = join(PROFILE_DIR, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Node flags that make a process write a CPU profile named after `name` into its own directory. */
export function profileFlags(name: string): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${profileDir(name)}`, '--cpu-prof-interval=200']
}

/**
 * Summarises the profile written under `name` and records it in the context. A process under tsx
 * writes one profile per thread (its module loader runs in a worker); the main thread's is the
 * one with the most non-idle time.
 */
export function collectProfile(ctx: RunContext, name: string): void {
  const dir = join(PROFILE_DIR, name)
  const summaries = readdirSync(dir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => summarizeProfile(name, join(dir, file)))
    .sort((a, b) => b.totalMs - a.totalMs)
  const summary = summaries[0]
  if (!summary) {
    ctx.log(`  (no profile written for ${name})`)
    return
  }
  ctx.profiles.push(summary)
  ctx.log(
    `  profile ${name}: ${summary.byArea
      .slice(0, 4)
      .map((a) => `${a.area} ${a.selfPct}%`)
      .join(', ')}`,
  )
}
