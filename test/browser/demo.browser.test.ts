/**
 * The whole loop in headless Chromium: the demo page (React, `useEvents`, `connect`, the native
 * EventSource) against the demo server on a SQLite file, across server restarts, over the page's
 * one stream of two topics (the project's and the signed-in user's notifications): every event
 * once, each topic in order, and a topic that cannot resume resets alone.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SqliteEventStore, sqliteStore } from '../../adapters/sqlite/index.js'
import { type Demo, startDemo } from '../../examples/demo/app.js'
import { openDatabase } from '../../examples/demo/database.js'
import { DEFAULT_PROJECT, DEMO_USER, type DemoEvents, topicOf, userTopicOf } from '../../examples/demo/events.js'
import { type DemoServices, demoServices } from '../../examples/demo/services.js'
import { createBroker, type StoredEvent } from '../../src/index.js'
import { until } from '../helpers/wait.js'
import { launchChromium } from './support/chromium.js'

const SCREENSHOT = join(process.cwd(), 'test', 'artifacts', 'demo.png')
const WAIT = { timeout: 20_000 }

let dir: string
let dbFile: string
let demo: Demo | undefined
let port: number
let context: BrowserContext | undefined
let page: Page
const PROJECT_TOPIC = topicOf(DEFAULT_PROJECT)
const USER_TOPIC = userTopicOf(DEMO_USER)
/** Every event the page must list, oldest first, as `topic id` (an id orders events within its topic only). */
const expected: string[] = []
const keyOf = (event: Pick<StoredEvent, 'topic' | 'id'>) => `${event.topic} ${event.id}`

/** POSTs to the demo's HTTP API, as another browser tab would; returns the event's key. */
async function postOverHttp(path: string, body: unknown): Promise<string> {
  const response = await fetch(`http://localhost:${port}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(response.status).toBe(200)
  return keyOf((await response.json()) as StoredEvent)
}

/** Changes a status through the API; returns the event's key. */
const publishOverHttp = (kind: 'sessions' | 'workspaces', id: string, status: string) =>
  postOverHttp(`/api/projects/${DEFAULT_PROJECT}/${kind}/${id}/status`, { status })
/** Sends the signed-in user a notification through the API; returns the event's key. */
const notifyOverHttp = (text: string) => postOverHttp('/api/me/notifications', { text })

/** While the server is down: opens the same SQLite file directly and runs `work` with the app's services on it. */
async function whileDown<T>(work: (tools: DemoServices & { store: SqliteEventStore }) => Promise<T>): Promise<T> {
  const db = await openDatabase(dbFile, DEFAULT_PROJECT)
  const store = sqliteStore({ db })
  await store.migrate()
  const broker = createBroker<DemoEvents>(store)
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

/** Waits until the newest listed event is the one of `key` (`topic id`). */
async function waitForNewest(key: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      const item = document.querySelector('li[data-event-id]')
      return `${item?.getAttribute('data-topic')} ${item?.getAttribute('data-event-id')}` === wanted
    },
    key,
    WAIT,
  )
}

/** The listed events' keys (`topic id`), oldest first (the page lists newest first). */
async function listedKeys(): Promise<string[]> {
  const keys = await page.$$eval('li[data-event-id]', (items) =>
    items.map((item) => `${item.getAttribute('data-topic')} ${item.getAttribute('data-event-id')}`),
  )
  return keys.reverse()
}

/** The listed events of `topic`, oldest first. */
const listedOf = async (topic: string) => (await listedKeys()).filter((key) => key.startsWith(`${topic} `))
const expectedOf = (topic: string) => expected.filter((key) => key.startsWith(`${topic} `))

/** The notifications panel's texts, newest first. */
function notificationTexts(): Promise<string[]> {
  return page.$$eval('[data-notification-id]', (items) => items.map((item) => item.textContent ?? ''))
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
  context = await launchChromium(dir, 'profile', { viewport: { width: 1200, height: 900 } })
  page = context.pages()[0] ?? (await context.newPage())
  page.on('pageerror', (error) => console.error('[page error]', error))
})

afterAll(async () => {
  await context?.close()
  await stopServer()
  rmSync(dir, { recursive: true, force: true })
})

describe('the demo page in Chromium', () => {
  it('receives live events of both topics, and every event exactly once, in order, across a server restart', {
    timeout: 90_000,
  }, async () => {
    await page.goto(`http://localhost:${port}/`)
    await waitForStatus('open')
    await page.waitForSelector('[data-testid="notifications-panel"] .empty', WAIT) // loaded: none yet

    // Live: one through each of the page's forms, three through the API.
    await page.selectOption('#target', 'sessions/session-2')
    await page.selectOption('#status-select', 'done')
    await page.click('[data-testid="publish-form"] button[type="submit"]')
    const note = await page.waitForSelector('[data-testid="form-note"][data-published-id]', WAIT)
    expected.push(`${PROJECT_TOPIC} ${await note.getAttribute('data-published-id')}`)
    await page.fill('#notification-text', 'Build 7 passed')
    await page.click('[data-testid="notification-form"] button[type="submit"]')
    const sent = await page.waitForSelector('[data-testid="notification-note"][data-published-id]', WAIT)
    expected.push(`${USER_TOPIC} ${await sent.getAttribute('data-published-id')}`)
    expected.push(await publishOverHttp('workspaces', 'workspace-1', 'busy'))
    expected.push(await notifyOverHttp('Review requested'))
    expected.push(await publishOverHttp('sessions', 'session-1', 'paused'))
    await waitForNewest(expected.at(-1) as string)
    expect(await listedKeys()).toEqual(expected)
    await expect(page.textContent('li[data-event-id] [data-testid="payload"]')).resolves.toBe(
      '{"sessionId":"session-1","status":"paused"}',
    )
    // Handlers see each event's topic: the list shows it, the notifications panel takes the user's.
    await expect(page.textContent('li[data-event-id] [data-testid="topic"]')).resolves.toBe(PROJECT_TOPIC)
    expect(await notificationTexts()).toEqual(['Review requested', 'Build 7 passed'])

    // Down: the page notices; events of both topics are published into the same SQLite file meanwhile.
    await stopServer()
    await waitForStatus('reconnecting')
    const missed = await whileDown(async (services) => [
      await services.sessions.updateStatus(DEFAULT_PROJECT, 'session-1', 'done'),
      await services.notifications.send(DEMO_USER, 'Deploy finished'),
      await services.workspaces.updateStatus(DEFAULT_PROJECT, 'workspace-2', 'ready'),
      await services.sessions.updateStatus(DEFAULT_PROJECT, 'session-2', 'idle'),
    ])
    expected.push(...missed.map((event) => keyOf(event as StoredEvent)))

    // Back on the same port: the browser resumes both topics with Last-Event-ID (the stream's
    // cursor); the page has no resume code. Across topics any interleaving; each topic in order.
    await startServer()
    await waitForStatus('open')
    expected.push(await publishOverHttp('workspaces', 'workspace-1', 'stopped'))
    await until(async () => (await listedKeys()).length === expected.length)
    for (const topic of [PROJECT_TOPIC, USER_TOPIC]) expect(await listedOf(topic)).toEqual(expectedOf(topic))
    expect(new Set(expected).size).toBe(10)
    expect(await page.locator('[data-testid="reset-notice"]').count()).toBe(0)
    await expect(page.textContent('[data-testid="received"]')).resolves.toBe('10 received')
    expect(await notificationTexts()).toEqual(['Deploy finished', 'Review requested', 'Build 7 passed'])
  })

  it('when the project topic cannot resume (pruned), it alone resets: the state is refetched, notifications resume', {
    timeout: 60_000,
  }, async () => {
    await stopServer()
    await waitForStatus('reconnecting')
    const pruned = await whileDown(async (services) => {
      const event = await services.sessions.updateStatus(DEFAULT_PROJECT, 'session-1', 'failed')
      await services.store.deleteBefore(new Date(Date.now() + 1_000)) // every event, seen or not
      return event?.id
    })
    expect(pruned).toBeDefined()

    await startServer()
    await page.waitForSelector('[data-testid="reset-notice"][data-reason="pruned"]', WAIT)
    await waitForStatus('open')
    const notices = page.locator('[data-testid="reset-notice"]')
    expect(await notices.count()).toBe(1)
    expect(await notices.getAttribute('data-topic')).toBe(PROJECT_TOPIC)
    // The state was refetched: the change whose event was pruned shows.
    await page.waitForFunction(
      () => document.querySelector('[data-item-id="session-1"] [data-testid="item-status"]')?.textContent === 'failed',
      undefined,
      WAIT,
    )
    // Live events of both topics continue; the user's topic resumed where it was (nothing repeated).
    expected.push(await publishOverHttp('sessions', 'session-2', 'running'))
    expected.push(await notifyOverHttp('Back online'))
    await waitForNewest(expected.at(-1) as string)
    for (const topic of [PROJECT_TOPIC, USER_TOPIC]) expect(await listedOf(topic)).toEqual(expectedOf(topic))
    expect(await page.locator('li.marker').count()).toBe(1)
    expect(await page.getAttribute('li.marker', 'data-topic')).toBe(PROJECT_TOPIC)
    await notices.locator('button').click()
    expect(await notices.count()).toBe(0)
  })

  it('when the user topic cannot resume (pruned), it alone resets: notifications are refetched, the project resumes', {
    timeout: 60_000,
  }, async () => {
    await stopServer()
    await waitForStatus('reconnecting')
    await whileDown(async (services) => {
      await services.notifications.send(DEMO_USER, 'Sent while you were away')
      await services.store.deleteBefore(new Date(Date.now() + 1_000))
    })

    await startServer()
    await page.waitForSelector(`[data-testid="reset-notice"][data-topic="${USER_TOPIC}"][data-reason="pruned"]`, WAIT)
    await waitForStatus('open')
    expect(await page.locator('[data-testid="reset-notice"]').count()).toBe(1)
    // The notifications were refetched: the one whose event was pruned shows, though it is not listed.
    await page.waitForFunction(
      () => document.querySelector('[data-notification-id]')?.textContent === 'Sent while you were away',
      undefined,
      WAIT,
    )
    expected.push(await publishOverHttp('workspaces', 'workspace-2', 'busy'))
    await waitForNewest(expected.at(-1) as string)
    for (const topic of [PROJECT_TOPIC, USER_TOPIC]) expect(await listedOf(topic)).toEqual(expectedOf(topic))
    const markers = await page.$$eval('li.marker', (items) => items.map((item) => item.getAttribute('data-topic')))
    expect(markers).toEqual([USER_TOPIC, PROJECT_TOPIC]) // newest first

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
  })
})
