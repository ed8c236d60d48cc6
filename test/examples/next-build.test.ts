/**
 * The Next.js example run for real: `next build` (Turbopack) then `next start` on a free port,
 * as separate processes, with headless Chromium on the example's page (`/projects/p1`, a client
 * component over `durable-sse/react`'s `useEvents`). The build does no database work (no file
 * appears where the app keeps its database, none in the build folder); the page gets events live
 * and every event once, in order, across a restart of `next start` (with events published into
 * the SQLite file while no server ran); SIGTERM makes `next start` exit within a few seconds with
 * the page's stream open. The build writes `examples/next/.next` (ignored by git).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp } from '../../examples/shared/app.js'
import { launchChromium } from '../browser/support/chromium.js'

const EXAMPLE = join(process.cwd(), 'examples', 'next')
const NEXT_BIN = join(process.cwd(), 'node_modules', 'next', 'dist', 'bin', 'next')
const WAIT = { timeout: 20_000 }
/** The bound on SIGTERM to exit: one reconnect round of the page (the `retry:` hint, 2 to 4 s), and some slack. */
const EXIT_WITHIN_MS = 8_000

/** A `next` command run as its own process, in the example's folder. */
interface NextProcess {
  child: ChildProcess
  /** Everything it printed so far. */
  output(): string
  /** Resolves with its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

let dir: string
let dbFile: string

/** Runs `next <args>` in the example's folder, with the app's database at `dbFile`. */
function runNext(args: string[]): NextProcess {
  const { NODE_ENV: _vitests, ...inherited } = process.env // NODE_ENV is vitest's `test`; next picks its own
  const env = { ...inherited, EXAMPLE_DB: dbFile, NEXT_TELEMETRY_DISABLED: '1' }
  const child = spawn(process.execPath, [NEXT_BIN, ...args], { cwd: EXAMPLE, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk) => {
    output += String(chunk)
  })
  child.stderr?.on('data', (chunk) => {
    output += String(chunk)
  })
  const exited = once(child, 'exit').then(
    ([code, signal]) => ({ code, signal }) as { code: number | null; signal: NodeJS.Signals | null },
  )
  return { child, output: () => output, exited }
}

/** A running `next start`. */
interface NextServer extends NextProcess {
  url: string
  port: number
}

/** Starts `next start` on `port` (0: a free one) and resolves once it is ready. */
async function startNext(port: number): Promise<NextServer> {
  const next = runNext(['start', '--hostname', '127.0.0.1', '--port', String(port)])
  const url = await new Promise<string>((resolve, reject) => {
    const ready = () => {
      const match = /Local:\s+(http:\/\/\S+)/.exec(next.output())
      if (match && /Ready in/.test(next.output())) resolve(match[1] as string)
    }
    next.child.stdout?.on('data', ready)
    next.child.stderr?.on('data', ready)
    void next.exited.then((exit) =>
      reject(new Error(`next start exited (${JSON.stringify(exit)}) before it was ready:\n${next.output()}`)),
    )
  })
  return { ...next, url, port: Number(new URL(url).port) }
}

/**
 * Sends SIGTERM and resolves with how the process ended and how long that took, in ms; SIGKILLs it
 * if it is still running after `withinMs` (its `ms` then says so). `next start` answers SIGTERM with
 * `server.close()` and, once every connection has ended, `process.exit(143)` (128 + SIGTERM, on
 * purpose): an exit code, where a process the signal killed has none.
 */
async function terminate(
  server: NextServer,
  withinMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const sent = performance.now()
  server.child.kill('SIGTERM')
  const deadline = setTimeout(() => server.child.kill('SIGKILL'), withinMs)
  const exit = await server.exited
  clearTimeout(deadline)
  return { ...exit, ms: Math.round(performance.now() - sent) }
}

/** How `next start` ends after a graceful shutdown. */
const GRACEFUL = { code: 143, signal: null }

/** Files whose name ends with `.db` under `folder`. */
function databaseFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((file) => /\.db(-wal|-shm)?$/.test(file))
}

let server: NextServer | undefined
let context: BrowserContext | undefined
let page: Page
const started = performance.now()

/** Publishes a session's status through the example's API, as another tab would; returns the event's id. */
async function publishOverHttp(sessionId: string, status: string): Promise<string> {
  const response = await fetch(`${server?.url}/api/projects/p1/sessions/${sessionId}/status`, {
    method: 'POST',
    headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
    body: JSON.stringify({ status }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { id: string }).id
}

/** The ids the page lists, in order. */
function listedIds(): Promise<string[]> {
  return page.$$eval('li[data-event-id]', (items) => items.map((item) => item.getAttribute('data-event-id') ?? ''))
}

/** Waits until the page shows the stream's status `status`. */
async function waitForStatus(status: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => document.querySelector('[data-testid="status"]')?.getAttribute('data-status') === wanted,
    status,
    WAIT,
  )
}

/** Waits until the page lists `count` events. */
async function waitForCount(count: number): Promise<void> {
  await page.waitForFunction((wanted) => document.querySelectorAll('li[data-event-id]').length >= wanted, count, WAIT)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'durable-sse-next-build-'))
  dbFile = join(dir, 'app.db')
}, 10_000)

afterAll(async () => {
  await context?.close()
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL')
    await server.exited
  }
  rmSync(dir, { recursive: true, force: true })
  console.info(`[next] build, two starts, Chromium and shutdowns took ${Math.round((performance.now() - started) / 1000)} s`)
})

describe('next example: next build && next start, in Chromium', () => {
  it('next build succeeds and does no database work', { timeout: 300_000 }, async () => {
    const build = runNext(['build'])
    const exit = await build.exited
    expect(exit, build.output()).toEqual({ code: 0, signal: null })
    expect(build.output()).toMatch(/ƒ \/api\/projects\/\[id\]\/events/) // a dynamic route: never prerendered
    expect(existsSync(dbFile), `next build created ${dbFile}`).toBe(false)
    expect(databaseFiles(EXAMPLE)).toEqual([])
  })

  it('streams events to the page live and across a restart of next start; SIGTERM ends next start', {
    timeout: 120_000,
  }, async () => {
    server = await startNext(0)
    expect(existsSync(dbFile), 'next start opened the database before any request').toBe(false)
    context = await launchChromium(dir)
    await context.addCookies([{ name: 'session', value: 'alice-token', url: server.url }])
    page = await context.newPage()
    page.on('pageerror', (error) => console.error('[page error]', error))
    await page.goto(`${server.url}/projects/p1`)
    await waitForStatus('open')

    const expected = [await publishOverHttp('session-1', 'running'), await publishOverHttp('session-1', 'paused')]
    await waitForCount(2)
    expect(await listedIds()).toEqual(expected)

    // SIGTERM with the page's stream open: instrumentation.ts closes the broker, next start exits.
    const first = await terminate(server, EXIT_WITHIN_MS)
    console.info(`[next] next start exited ${first.ms} ms after SIGTERM with the page's stream open`)
    expect(first, server.output()).toMatchObject(GRACEFUL)
    await waitForStatus('reconnecting')

    // While no server runs, the app's own service writes into the same SQLite file.
    const offline = await openApp({ dbFile })
    try {
      for (const status of ['done', 'failed']) {
        const event = await offline.sessions.updateStatus('p1', 'session-1', status)
        expected.push(event?.id as string)
      }
    } finally {
      await offline.close()
    }

    // Back on the same port: the browser resumes with Last-Event-ID and gets what it missed.
    server = await startNext(server.port)
    await waitForStatus('open')
    expected.push(await publishOverHttp('session-1', 'idle'))
    await waitForCount(expected.length)
    expect(await listedIds()).toEqual(expected)
    expect(new Set(expected).size).toBe(5)

    const second = await terminate(server, EXIT_WITHIN_MS)
    console.info(`[next] next start exited ${second.ms} ms after SIGTERM (after the restart)`)
    expect(second, server.output()).toMatchObject(GRACEFUL)
  })
})
