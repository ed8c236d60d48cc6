/**
 * Measures what `durable-sse/client` and `durable-sse/react` add to a browser app: esbuild bundles
 * a minimal app (one `connect()` call; one `useEvents()` call, React left out) from the sources,
 * minified, as a bundler with code splitting would (Vite, webpack, Next.js, Rollup), and gzips each
 * piece. Checks that the first load holds neither the fetch transport, nor `eventsource-parser`,
 * nor the tab-sharing code (exit code 1 if it does), and prints the table the README quotes.
 *
 *   npx tsx scripts/bundle-size.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile, type OutputFile } from 'esbuild'

/** Sources that an app using only the native `EventSource` must not load. */
export const ON_DEMAND_ONLY = [
  'node_modules/eventsource-parser/',
  'src/client/fetch-link.ts',
  'src/client/event-stream.ts',
  'src/client/shared-link.ts',
]

/** One measured piece of the bundle. */
export interface Piece {
  /** What it is. */
  name: string
  /** Minified bytes. */
  minified: number
  /** Minified and gzipped bytes (level 9). */
  gzip: number
  /** The sources it holds. */
  inputs: string[]
}

const APPS = {
  connect: `import { connect } from ${JSON.stringify(resolve('src/client/index.ts'))}\nconnect('/events', { handlers: { x: (event) => console.log(event) } })\n`,
  useEvents: `import { useEvents } from ${JSON.stringify(resolve('src/react/index.ts'))}\nexport function App() { return useEvents('/events', { x: (event) => console.log(event) }) }\n`,
}

type Output = Metafile['outputs'][string]

/** Bundles the minimal apps with code splitting (or as one file each); returns esbuild's outputs by path. */
async function bundle(dir: string, splitting: boolean): Promise<{ files: Map<string, OutputFile>; meta: Metafile }> {
  const entryPoints = Object.entries(APPS).map(([name, code]) => {
    const file = join(dir, `${name}.ts`)
    writeFileSync(file, code)
    return { in: file, out: name }
  })
  const result = await build({
    entryPoints,
    bundle: true,
    splitting,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    external: ['react'],
    outdir: join(dir, 'out'),
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: resolve('.'),
  })
  const files = new Map(result.outputFiles.map((file) => [file.path, file]))
  return { files, meta: result.metafile }
}

/** The output paths `from` loads at once (itself and its static imports, transitively). */
function closure(meta: Metafile, from: string): Set<string> {
  const seen = new Set<string>()
  const visit = (path: string) => {
    if (seen.has(path)) return
    seen.add(path)
    for (const imported of (meta.outputs[path] as Output).imports)
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path)
  }
  visit(from)
  return seen
}

function measure(name: string, paths: Iterable<string>, meta: Metafile, files: Map<string, OutputFile>): Piece {
  const chunks = [...paths]
  const bytes = Buffer.concat(chunks.map((path) => Buffer.from((files.get(resolve(path)) as OutputFile).contents)))
  const inputs = chunks.flatMap((path) => Object.keys((meta.outputs[path] as Output).inputs))
  return { name, minified: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, inputs: [...new Set(inputs)].sort() }
}

/** Measures the first load of each minimal app, the chunks loaded on demand, and the one-file bundle. */
export async function measureClientBundles(): Promise<Piece[]> {
  const dir = mkdtempSync(join(tmpdir(), 'durable-sse-bundle-'))
  try {
    const split = await bundle(dir, true)
    const outputOf = (predicate: (output: Output) => boolean) =>
      Object.entries(split.meta.outputs).find(([, output]) => predicate(output))?.[0] as string
    const entry = (name: string) => outputOf((output) => output.entryPoint?.endsWith(`${name}.ts`) === true)
    const first = closure(split.meta, entry('connect'))
    const onDemand = (source: string) => [...closure(split.meta, entry(source))].filter((path) => !first.has(path))
    const single = await bundle(dir, false)
    const singleEntry = Object.entries(single.meta.outputs).find(([, output]) => output.entryPoint?.endsWith('connect.ts'))?.[0]
    return [
      measure('connect() with the native EventSource: first load', first, split.meta, split.files),
      measure('useEvents() (React not counted): first load', closure(split.meta, entry('useEvents')), split.meta, split.files),
      measure(
        '+ fetch transport, loaded when headers or fetch is given',
        onDemand('src/client/fetch-link'),
        split.meta,
        split.files,
      ),
      measure(
        '+ tab sharing (with the fetch transport), loaded when shared: true',
        onDemand('src/client/shared-link'),
        split.meta,
        split.files,
      ),
      measure('everything, for a bundler that inlines dynamic imports', [singleEntry as string], single.meta, single.files),
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The on-demand sources found in a first-load piece. */
export function leaks(piece: Piece): string[] {
  return piece.inputs.filter((input) => ON_DEMAND_ONLY.some((source) => input.includes(source)))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const pieces = await measureClientBundles()
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`
  console.log('| piece | minified | min + gzip |\n| --- | --- | --- |')
  for (const piece of pieces) console.log(`| ${piece.name} | ${kb(piece.minified)} | ${kb(piece.gzip)} |`)
  const leaked = pieces.slice(0, 2).flatMap(leaks)
  if (leaked.length > 0) {
    console.error(`the first load holds on-demand code: ${leaked.join(', ')}`)
    process.exit(1)
  }
}
