/**
 * Behind a real nginx, the app crashes (SIGKILL) and stays down while events are published into
 * its SQLite file; nginx answers 502 for 4 s; the app comes back on the same port. Pages over the
 * native EventSource and over the fetch transport end with every event once, in order, without a
 * reload: the native EventSource gives up on the 502, and the client opens a new one itself.
 */
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/wait.js'
import type { HarnessOptions, Recorded } from './pages/client-page.js'
import { type CrashableApp, startCrashableApp } from './support/app-process.js'
import { launchChromium, openPage } from './support/chromium.js'
import { recordOf, startStream } from './support/harness.js'
import { type Nginx, startNginx } from './support/nginx.js'

type Events = { tick: { n: number } }

const WAIT = 30_000
let app: CrashableApp<Events>
let nginx: Nginx
let context: BrowserContext
let published = 0

async function publishTicks(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await app.broker.publish({ topic: 'ticks', type: 'tick', payload: { n: ++published } })
}

beforeAll(async () => {
  app = await startCrashableApp<Events>()
  nginx = await startNginx(join(app.dir, 'nginx'), app.port)
  context = await launchChromium(app.dir)
}, 60_000)

afterAll(async () => {
  await context?.close()
  await nginx?.stop()
  await app?.close()
})

const loadedChunks = (page: Page) =>
  page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => new URL(entry.name).pathname.split('/').pop() ?? ''),
  )
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

async function startPage(options: HarnessOptions): Promise<Page> {
  const page = await openPage(context, `${nginx.url}/`)
  await startStream(page, '/api/events/ticks', options)
  return page
}

describe('behind nginx, across an app crash', () => {
  it('pages end with every event once, in order, after 4 s of 502s, without a reload', { timeout: 120_000 }, async () => {
    const backoff = { backoffMs: 250, maxBackoffMs: 2_000 }
    const pages = {
      native: await startPage(backoff),
      fetch: await startPage({ ...backoff, headers: { 'X-Transport': 'fetch' } }),
    }
    const all = Object.values(pages)
    const origins = await Promise.all(all.map((page) => page.evaluate(() => performance.timeOrigin)))
    const statusesNow = async () => Promise.all(all.map(async (page) => (await recordOf(page)).statuses.at(-1)))
    await until(async () => (await statusesNow()).every((status) => status === 'open'), WAIT, 'open')

    await publishTicks(3)
    await until(async () => (await Promise.all(all.map(recordOf))).every((r) => r.events.length === 3), WAIT, 'three ticks')

    await app.kill()
    await until(async () => (await statusesNow()).every((status) => status === 'reconnecting'), WAIT, 'reconnecting')
    await publishTicks(3)
    expect((await fetch(`${nginx.url}/api/events/ticks`)).status).toBe(502)
    const saw502 = (record: Recorded) => record.errors.some((error) => error.status === 502)
    await until(async () => (await Promise.all(all.map(recordOf))).every(saw502), WAIT, 'each page told of a 502')
    await new Promise((resolve) => setTimeout(resolve, 4_000)) // the outage under test: 4 s of 502s
    expect((await fetch(`${nginx.url}/api/events/ticks`)).status).toBe(502)

    await app.start()
    await until(async () => (await statusesNow()).every((status) => status === 'open'), WAIT, 'open again')
    await publishTicks(2)
    await until(async () => (await Promise.all(all.map(recordOf))).every((r) => r.events.length >= published), WAIT, 'every tick')

    for (const [name, page] of Object.entries(pages)) {
      const record = await recordOf(page)
      expect(
        record.events.map((event) => event.n),
        name,
      ).toEqual(range(1, 8))
      expect(new Set(record.events.map((event) => event.id)).size, name).toBe(8)
      expect(
        record.statuses.filter((status) => status === 'closed'),
        name,
      ).toEqual([])
      // Several attempts during the outage, each refused with a 502 the client reported and retried.
      const refusals = record.errors.filter((error) => error.status === 502)
      expect(refusals.length, name).toBeGreaterThanOrEqual(3)
      expect(
        refusals.every((error) => error.name === 'ConnectionFailedError' && error.retrying),
        name,
      ).toBe(true)
    }
    // No reload: the same documents.
    expect(await Promise.all(all.map((page) => page.evaluate(() => performance.timeOrigin)))).toEqual(origins)
    // The native page never loaded the fetch transport; the other one did, on demand.
    expect((await loadedChunks(pages.native)).some((file) => file.startsWith('fetch-link'))).toBe(false)
    expect((await loadedChunks(pages.fetch)).some((file) => file.startsWith('fetch-link'))).toBe(true)
    expect(nginx.errorLog()).toMatch(/connect\(\) failed \(111: Connection refused\) while connecting to upstream/)
  })
})
