/**
 * `--baseline <rev>`: extracts that revision's `src/` (git archive) into a scratch directory and
 * registers it as experimental copy `baseline`, so `ours-exp-baseline` runs beside `ours` in the
 * fan-out and memory scenarios: before/after of a change, in the same run.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Extracts `rev`'s `src/` under `dir` and adds it to `BENCH_EXP_SRC` as `baseline`; returns the resolved commit. */
export function registerBaseline(rev: string, dir: string): string {
  const commit = execFileSync('git', ['rev-parse', '--short', rev], { cwd: ROOT, encoding: 'utf8' }).trim()
  const target = join(dir, 'baseline')
  mkdirSync(target, { recursive: true })
  const archive = execFileSync('git', ['archive', commit, 'src'], { cwd: ROOT, maxBuffer: 64 * 2 ** 20 })
  execFileSync('tar', ['-x', '-C', target], { input: archive })
  const entry = `baseline=${join(target, 'src', 'index.ts')}`
  process.env.BENCH_EXP_SRC = process.env.BENCH_EXP_SRC ? `${process.env.BENCH_EXP_SRC},${entry}` : entry
  return commit
}
