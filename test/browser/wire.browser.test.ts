/**
 * The fetch transport dispatches what Chromium's own EventSource dispatches, on the WHATWG parsing
 * cases of the fetch transport's Node test (CR, LF, CRLF, U+2028, NUL, long lines, comments,
 * `retry:`, BOMs, multibyte characters cut between writes), served by a real HTTP server.
 */
import { createParser } from 'eventsource-parser'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunksOf, WIRE_CASES } from '../client/wire-cases.js'
import type { WireHarness } from './pages/wire-page.js'
import { launchChromium, openPage } from './support/chromium.js'
import { type PagesServer, servePages } from './support/pages.js'

let server: PagesServer
let context: BrowserContext
let page: Page

/** Every event type the cases use, so the native EventSource listens to each. */
const types = new Set<string>()
for (const wire of WIRE_CASES) {
  createParser({ onEvent: (message) => types.add(message.event ?? 'message') }).feed(wire.text.replace(/\r$/, '\r\n'))
}

beforeAll(async () => {
  server = await servePages(async (req, res) => {
    const index = /^\/wire\/(\d+)$/.exec(req.url ?? '')?.[1]
    const wire = index === undefined ? undefined : WIRE_CASES[Number(index)]
    if (!wire) return res.writeHead(404).end()
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
    for (const chunk of chunksOf(wire)) {
      res.write(chunk)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    res.end()
  })
  context = await launchChromium(server.dir)
  page = await openPage(context, `${server.url}/wire.html`)
}, 60_000)

afterAll(async () => {
  await context?.close()
  await server?.close()
})

describe('in Chromium, the fetch transport and the native EventSource', () => {
  it.each(WIRE_CASES.map((wire, index) => [wire.name, index] as const))('dispatch the same: %s', async (_name, index) => {
    const path = `/wire/${index}`
    const native = await page.evaluate(
      ({ path, types }) => (window as unknown as { harness: WireHarness }).harness.native(path, types),
      { path, types: [...types] },
    )
    const transport = await page.evaluate((path) => (window as unknown as { harness: WireHarness }).harness.transport(path), path)
    expect(native.length).toBeGreaterThan(0)
    expect(transport).toEqual(native)
  })
})
