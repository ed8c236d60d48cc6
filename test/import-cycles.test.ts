import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importCycles, importGraph, sourcesUnder } from './helpers/import-graph.js'
import { useTempFiles } from './helpers/sqlite.js'

const root = resolve('.')

describe('the import graph', () => {
  const files = useTempFiles()

  it('of src/ and adapters/ has no cycle, type-only imports included', () => {
    const graph = importGraph(sourcesUnder('src', 'adapters'))
    expect(graph.size).toBeGreaterThan(100) // it did read the sources
    expect(importCycles(graph, root)).toEqual([])
  })

  it('keeps the core apart from the adapters (src/ never imports adapters/)', () => {
    const graph = importGraph(sourcesUnder('src'))
    const crossing = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => relative(root, target).startsWith('adapters'))
        .map((target) => `${relative(root, file)} -> ${relative(root, target)}`),
    )
    expect(crossing).toEqual([])
  })

  it('finds a cycle made only of type imports, and a longer one through a re-export', () => {
    const dir = files.file('cycle')
    mkdirSync(join(dir, 'sub'), { recursive: true })
    writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.js'\nexport type A = { b?: B }\n")
    writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.js'\nexport type B = { a?: A }\n")
    writeFileSync(join(dir, 'c.ts'), "export { d } from './sub/index.js'\nexport const c = 1\n")
    writeFileSync(join(dir, 'sub', 'index.ts'), "export const d = async () => (await import('../e.js')).e\n")
    writeFileSync(join(dir, 'e.ts'), "import { c } from './c.js'\nexport const e = c\n")
    writeFileSync(join(dir, 'f.ts'), "import { e } from './e.js'\nexport const f = e\n")
    const cycles = importCycles(importGraph(sourcesUnder(dir)), dir)
    expect(cycles.sort()).toEqual([
      ['a.ts', 'b.ts'],
      ['c.ts', 'e.ts', join('sub', 'index.ts')],
    ])
  })
})
