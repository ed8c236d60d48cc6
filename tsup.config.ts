import { defineConfig } from 'tsup'

/** Public entry points: the keys are the subpaths of `exports` (`index` is `.`). */
export const entries = {
  index: 'src/index.ts',
  sqlite: 'adapters/sqlite/index.ts',
}

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
})
