/**
 * Compiles the benchmark processes once per run (esbuild, one ESM bundle per script under
 * `bench/.build/`, packages left external) so each of the many processes a run forks starts in
 * tens of milliseconds instead of loading tsx. The experimental copies named in `BENCH_EXP_SRC`
 * are bundled too (and the variable rewritten to the bundles, which child processes inherit).
 * `BENCH_NO_BUILD=1` runs everything under tsx instead.
 * @module
 */
import { readdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url))
/** This run's bundles (one directory per orchestrator, so runs never overwrite each other's). */
const OUT_DIR = fileURLToPath(new URL(`../.build/run-${process.pid}/`, import.meta.url))

let built = false

/** Whether processes run from the compiled bundles. */
export function usesBuild(): boolean {
  return built
}

/** Bundles each `name=/path/index.ts` of `BENCH_EXP_SRC` and points the variable at the bundles. */
async function buildExperiments(): Promise<void> {
  const spec = process.env.BENCH_EXP_SRC
  if (!spec) return
  const entries = spec.split(',').map((entry) => (entry.includes('=') ? entry.split('=', 2) : ['', entry]) as [string, string])
  const built: string[] = []
  for (const [name, path] of entries) {
    if (!path.endsWith('.ts')) {
      built.push(name ? `${name}=${path}` : path)
      continue
    }
    const outfile = `${OUT_DIR}exp-${name || 'default'}.mjs`
    await build({
      entryPoints: [path],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning',
    })
    built.push(name ? `${name}=${outfile}` : outfile)
  }
  process.env.BENCH_EXP_SRC = built.join(',')
}

/** Removes this run's bundles. */
export function removeBuild(): void {
  if (built) rmSync(OUT_DIR, { recursive: true, force: true })
}

/** Builds every `procs/*.ts` script (and the experimental copies) into `bench/.build/run-<pid>/`. */
export async function buildProcesses(): Promise<void> {
  if (process.env.BENCH_NO_BUILD === '1') return
  await buildExperiments()
  const entryPoints = readdirSync(`${BENCH_DIR}procs`)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `${BENCH_DIR}procs/${file}`)
  await build({
    entryPoints,
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    sourcemap: true, // profiles are mapped back to src/ lines (lib/cpu-profile.ts)
    logLevel: 'warning',
  })
  built = true
}

/** The file to fork for `script` (e.g. `procs/loadgen.ts`), and whether it needs tsx. */
export function entryOf(script: string): { path: string; tsx: boolean } {
  if (built && script.startsWith('procs/')) {
    return { path: `${OUT_DIR}${script.slice('procs/'.length).replace(/\.ts$/, '.mjs')}`, tsx: false }
  }
  return { path: `${BENCH_DIR}${script}`, tsx: true }
}
