/**
 * Checks that the package's public entry points agree in three places: `package.json` `exports`,
 * the tsup build entries, and the typedoc entry points. Exits non-zero, naming the mismatch.
 */
import { readFileSync } from 'node:fs'
import { entries, esmOnlyEntries } from '../tsup.config.js'

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown> }
const typedoc = JSON.parse(readFileSync('typedoc.json', 'utf8')) as { entryPoints: string[] }

const subpathOf = (entry: string) => (entry === 'index' ? '.' : `./${entry}`)
const exported = Object.keys(manifest.exports)
  .filter((subpath) => subpath !== './package.json')
  .sort()
const built = Object.keys(entries).map(subpathOf).sort()
const documented = [...typedoc.entryPoints].sort()
const sources = Object.values(entries).sort()

const problems: string[] = []
for (const subpath of exported) if (!built.includes(subpath)) problems.push(`exports has ${subpath}, tsup builds no such entry`)
for (const subpath of built) if (!exported.includes(subpath)) problems.push(`tsup builds ${subpath}, exports does not list it`)
for (const source of sources) if (!documented.includes(source)) problems.push(`typedoc does not document ${source}`)
for (const source of documented) if (!sources.includes(source)) problems.push(`typedoc documents ${source}, which is no entry`)
for (const [name, source] of Object.entries(entries)) {
  const conditions = JSON.stringify(manifest.exports[subpathOf(name)] ?? {})
  const files = esmOnlyEntries.has(name)
    ? [`./dist/${name}.js`, `./dist/${name}.d.ts`]
    : [`./dist/${name}.js`, `./dist/${name}.cjs`, `./dist/${name}.d.ts`, `./dist/${name}.d.cts`]
  for (const file of files) {
    if (!conditions.includes(`"${file}"`)) problems.push(`exports ${subpathOf(name)} (${source}) does not point at ${file}`)
  }
}

if (problems.length > 0) {
  console.error(`entry points disagree:\n- ${problems.join('\n- ')}`)
  process.exit(1)
}
console.log(`entry points agree: ${exported.join(', ')}`)
