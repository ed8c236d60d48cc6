/**
 * Where the benchmark loads durable-sse from: this repository's `src/`, or, for the `ours-exp`
 * variants, a patched copy named by `BENCH_EXP_SRC` (an absolute path to its `index.ts` for
 * `ours-exp`, or `a=/path/index.ts,b=/path/index.ts` for `ours-exp-a`, `ours-exp-b`), so an
 * optimisation can be measured A/B in the same run without touching `src/`.
 * @module
 */
import { pathToFileURL } from 'node:url'

/** The core module's exports the benchmark uses. */
export type OursModule = typeof import('../../src/index.js')

/** The path of experimental copy `name` ('' for plain `ours-exp`) from `BENCH_EXP_SRC`. */
function experimentPath(name: string): string {
  const spec = process.env.BENCH_EXP_SRC ?? ''
  const entries = spec.split(',').map((entry) => (entry.includes('=') ? entry.split('=', 2) : ['', entry]) as [string, string])
  const path = entries.find(([key]) => key === name)?.[1]
  if (!path)
    throw new Error(
      `variant ours-exp${name ? `-${name}` : ''} needs BENCH_EXP_SRC=${name ? `${name}=` : ''}/absolute/path/to/patched/src/index.ts`,
    )
  return path
}

/**
 * Loads the core module: `src/`, or experimental copy `experimental` ('' for plain `ours-exp`).
 * `BENCH_OURS=name` makes plain `ours` load copy `name` too (while `src/` is mid-change).
 */
export async function loadOurs(experimental = process.env.BENCH_OURS): Promise<OursModule> {
  if (experimental === undefined) return import('../../src/index.js')
  return (await import(pathToFileURL(experimentPath(experimental)).href)) as OursModule
}
