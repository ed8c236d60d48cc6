/**
 * The import graph of TypeScript sources, read with the compiler's own import scanner: static
 * imports and re-exports, `import type`, and `import()` alike. Used by the structure tests.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import ts from 'typescript'

/** Every `.ts`/`.tsx` file under `dirs`, recursively. */
export function sourcesUnder(...dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) return sourcesUnder(path)
      return /\.tsx?$/.test(name) ? [resolve(path)] : []
    }),
  )
}

/** The file a relative specifier of `from` names (`./x.js` is `./x.ts`, a folder its `index.ts`), if it exists. */
function resolveSpecifier(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier)
  const stem = base.replace(/\.(js|jsx|ts|tsx|mjs)$/, '')
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate
  return undefined
}

/** Each file's imports of other files (relative specifiers only: packages are not part of the graph). */
export function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
    const targets = importedFiles
      .map(({ fileName }) => fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolveSpecifier(file, specifier))
      .filter((target): target is string => target !== undefined)
    graph.set(file, [...new Set(targets)])
  }
  return graph
}

/** The import cycles of `graph` (one per strongly connected group of files, as paths relative to `root`, sorted). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>, root: string): string[][] {
  // Tarjan's strongly connected components.
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[][] = []
  const visit = (file: string): void => {
    index.set(file, next)
    low.set(file, next++)
    stack.push(file)
    onStack.add(file)
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue
      if (!index.has(target)) {
        visit(target)
        low.set(file, Math.min(low.get(file) as number, low.get(target) as number))
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file) as number, index.get(target) as number))
    }
    if (low.get(file) !== index.get(file)) return
    const group: string[] = []
    let member: string
    do {
      member = stack.pop() as string
      onStack.delete(member)
      group.push(member)
    } while (member !== file)
    if (group.length > 1 || graph.get(file)?.includes(file)) cycles.push(group.map((path) => relative(root, path)).sort())
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file)
  return cycles
}
