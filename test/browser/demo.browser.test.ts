/**
 * The whole loop in headless Chromium: the demo page (React, `useEvents`, `connect`, the native
 * EventSource) against the demo server on a SQLite file, across server restarts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SqliteEventStore, sqliteStore } from '../../adapters/sqlite/index.js'
import { type Demo, startDemo } from '../../examples/demo/app.js'
import { openDatabase } from '../../examples/demo/database.js'
import { DEFAULT_PROJECT } from '../../examples/demo/events.js'
import { type DemoServices, demoServices } from '../../examples/demo/services.js'
import type { AppEvents } from '../../examples/shared/events.js'
import { createBroker } from '../../src/index.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
const SCREENSHOT = join(process.cwd(), 'test', 'artifacts', 'demo.png')
const WAIT = { timeout: 20_000 }

let dir: string
let dbFile: string
let demo: Demo | undefined
let port: number
let context: BrowserContext | undefined
let page: Page
/** Ids of every event the page must list, oldest first. */
const expected: string[] = []

/** Publishes through the demo's HTTP API, as another browser tab would; returns the event's id. */
async function publishOverHttp(kind: 'sessions' | 'workspaces', id: string, status: string): Promise<string> {
  const response = await fetch(`http://localhost:${port}/api/projects/${DEFAULT_PROJECT}/${kind}/${id}/status`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ status }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { id: string }).id
}

/** While the server is down: opens the same SQLite file directly and runs `work` with the app's services on it. */
async function whileDown<T>(work: (tools: DemoServices & { store: SqliteEventStore }) => Promise<T>): Promise<T> {
  const db = await openDatabase(dbFile, DEFAULT_PROJECT)
  const store = sqliteStore({ db })
  await store.migrate()
  const broker = createBroker<AppEvents>(store)
  try {
    return await work({ ...demoServices(db, broker), store })
  } finally {
    await broker.close()
    await store.close()
    await db.destroy()
  }
}

async function waitForStatus(status: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => document.querySelector('[data-testid="status"]')?.getAttribute('data-status') === wanted,
    status,
    WAIT,
  )
}

/** Waits until the newest listed event is `id`. */
async function waitForNewest(id: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => document.querySelector('li[data-event-id]')?.getAttribute('data-event-id') === wanted,
    id,
    WAIT,
  )
}

/** The listed event ids, oldest first (the page lists newest first). */
async function listedIds(): Promise<string[]> {
  const ids = await page.$$eval('li[data-event-id]', (items) => items.map((item) => item.getAttribute('data-event-id') ?? ''))
  return ids.reverse()
}

async function stopServer(): Promise<void> {
  await demo?.close()
  demo = undefined
}

async function startServer(): Promise<void> {
  demo = await startDemo({ port, dbFile })
  port = demo.port
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'durable-sse-browser-'))
  dbFile = join(dir, 'demo.db')
  port = 0
  await startServer()
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1200, height: 900 },
  })
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (error) => console.error('[page error]', error))
})

afterAll(async () => {
  await context?.close()
  await stopServer()
  rmSync(dir, { recursive: true, force: true })
})

describe('the demo page in Chromium', () => {
  it('receives live events, and every event exactly once, in order, across a server restart', { timeout: 90_000 }, async () => {
    await page.goto(`http://localhost:${port}/`)
    await waitForStatus('open')

    // Live: one through the page's own form, two through the API.
    await page.selectOption('#target', 'sessions/session-2')
    await page.selectOption('#status-select', 'done')
    await page.click('button[type="submit"]')
    const note = await page.waitForSelector('[data-testid="form-note"][data-published-id]', WAIT)
    expected.push((await note.getAttribute('data-published-id')) as string)
    expected.push(await publishOverHttp('workspaces', 'workspace-1', 'busy'))
    expected.push(await publishOverHttp('sessions', 'session-1', 'paused'))
    await waitForNewest(expected.at(-1) as string)
    expect(await listedIds()).toEqual(expected)
    await expect(page.textContent('li[data-event-id] [data-testid="payload"]')).resolves.toBe(
      '{"sessionId":"session-1","status":"paused"}',
    )

    // Down: the page notices; events are published into the same SQLite file meanwhile.
    await stopServer()
    await waitForStatus('reconnecting')
    const missed = await whileDown(async (services) => [
      await services.sessions.updateStatus(DEFAULT_PROJECT, 'session-1', 'done'),
      await services.workspaces.updateStatus(DEFAULT_PROJECT, 'workspace-2', 'ready'),
      await services.sessions.updateStatus(DEFAULT_PROJECT, 'session-2', 'idle'),
    ])
    expected.push(...missed.map((event) => event?.id as string))

    // Back on the same port: the browser resumes with Last-Event-ID; the page has no resume code.
    await startServer()
    await waitForStatus('open')
    expected.push(await publishOverHttp('workspaces', 'workspace-1', 'stopped'))
    await waitForNewest(expected.at(-1) as string)
    expect(await listedIds()).toEqual(expected)
    expect(new Set(expected).size).toBe(7)
    expect(await page.locator('[data-testid="reset-notice"]').count()).toBe(0)
    await expect(page.textContent('[data-testid="received"]')).resolves.toBe('7 received')
  })

  it('shows the reset notice and refetches state when it resumes from a pruned id', { timeout: 60_000 }, async () => {
    await stopServer()
    await waitForStatus('reconnecting')
    const pruned = await whileDown(async (services) => {
      const event = await services.sessions.updateStatus(DEFAULT_PROJECT, 'session-1', 'failed')
      await services.store.deleteBefore(new Date(Date.now() + 1_000))
      return event?.id
    })
    expect(pruned).toBeDefined()

    await startServer()
    await page.waitForSelector('[data-testid="reset-notice"][data-reason="pruned"]', WAIT)
    await waitForStatus('open')
    // The state was refetched: the change whose event was pruned shows.
    await page.waitForFunction(
      () => document.querySelector('[data-item-id="session-1"] [data-testid="item-status"]')?.textContent === 'failed',
      undefined,
      WAIT,
    )
    // Live events continue after the reset.
    const live = await publishOverHttp('sessions', 'session-2', 'running')
    await waitForNewest(live)
    expect(await listedIds()).toEqual([...expected, live])
    expect(await page.locator('li.marker').count()).toBe(1)

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
  })
})
