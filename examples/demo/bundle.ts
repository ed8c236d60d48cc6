/**
 * Bundles the demo page (React and `durable-sse/react`) for the browser with esbuild, in memory.
 * @module
 */
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

/** Builds `page/app.tsx` into one ES module for the browser and returns its text. */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page/app.tsx', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  })
  return (result.outputFiles[0] as { text: string }).text
}
