/**
 * The test pages, bundled by esbuild with code splitting as an app's bundler would (so the fetch
 * transport and the sharing code arrive as separate chunks, on demand), and served as static files
 * (by the test's own server, or by `servePages`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { basename, join } from 'node:path'
import { build } from 'esbuild'
import { httpServer, type Running } from '../../helpers/servers.js'
import { tempDir } from '../../helpers/stores.js'

const PAGES = ['client-page', 'wire-page']

/** Bundles the pages into `dir`: `index.html` (the client harness), `wire.html`, and `assets/`. */
export async function buildPages(dir: string): Promise<void> {
  mkdirSync(join(dir, 'assets'), { recursive: true })
  await build({
    entryPoints: PAGES.map((page) => join('test', 'browser', 'pages', `${page}.ts`)),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: join(dir, 'assets'),
    logLevel: 'silent',
  })
  const html = (page: string) => `<!doctype html><meta charset="utf-8"><script type="module" src="/assets/${page}.js"></script>\n`
  writeFileSync(join(dir, 'index.html'), html('client-page'))
  writeFileSync(join(dir, 'wire.html'), html('wire-page'))
}

/** Serves `/`, `/wire.html` and `/assets/*` from `dir`; false when `req` asks for something else. */
export function servePage(dir: string, req: IncomingMessage, res: ServerResponse): boolean {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  const file =
    path === '/'
      ? 'index.html'
      : path === '/wire.html'
        ? 'wire.html'
        : path.startsWith('/assets/')
          ? join('assets', basename(path))
          : undefined
  if (!file || !existsSync(join(dir, file))) return false
  const type = file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8'
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(readFileSync(join(dir, file)))
  return true
}

/** A server of the test pages; its `close()` also removes the pages' directory. */
export interface PagesServer extends Running {
  /** The fresh temporary directory the pages were built into (a test may keep its browser profiles there too). */
  dir: string
}

/** Builds the pages into a fresh temporary directory and serves them on a free port; any other request goes to `route`. */
export async function servePages(route: (req: IncomingMessage, res: ServerResponse) => unknown): Promise<PagesServer> {
  const temp = tempDir()
  try {
    await buildPages(temp.dir)
    const running = await httpServer((req, res) => (servePage(temp.dir, req, res) ? undefined : route(req, res)))
    const close = async () => {
      await running.close()
      temp.remove()
    }
    return { ...running, dir: temp.dir, close }
  } catch (error) {
    temp.remove()
    throw error
  }
}
