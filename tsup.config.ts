import { readFile, writeFile } from 'node:fs/promises'
import { defineConfig } from 'tsup'

/** Public entry points: the keys are the subpaths of `exports` (`index` is `.`). */
export const entries = {
  index: 'src/index.ts',
  sqlite: 'adapters/sqlite/index.ts',
  postgres: 'adapters/postgres/index.ts',
  nats: 'adapters/nats/index.ts',
  redis: 'adapters/redis/index.ts',
  mysql: 'adapters/mysql/index.ts',
  client: 'src/client/index.ts',
  react: 'src/react/index.ts',
  trpc: 'src/trpc/index.ts',
  ai: 'src/ai/index.ts',
  testing: 'src/testing/index.ts',
  'testing/vitest': 'src/testing/vitest.ts',
}

/** Entries exported for `import` only (vitest cannot be loaded with `require`). */
export const esmOnlyEntries: ReadonlySet<string> = new Set(['testing/vitest'])

/** Entries that React Server Components must treat as client modules. */
const clientComponents = ['dist/react.js', 'dist/react.cjs']

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  // Shared chunks: one copy of each error class across entry points, so `instanceof` holds.
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  treeshake: true,
  // Code splitting drops module directives, so put 'use client' back on the React entry.
  async onSuccess() {
    for (const file of clientComponents) {
      const code = await readFile(file, 'utf8')
      if (!code.startsWith('"use client"')) await writeFile(file, `"use client";\n${code}`)
    }
  },
})
