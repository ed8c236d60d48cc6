/** Headless Chromium for the browser tests (the client's, the demo's, the Next example's), launched one way. */
import { join } from 'node:path'
import { type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core'

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

/** How a profile's pages are shown (the window size of a screenshot). */
export type ChromiumView = Pick<BrowserContextOptions, 'viewport'>

/** A fresh persistent profile under `dir`: one browser, whose pages share connections, locks and channels. */
export function launchChromium(dir: string, name = 'profile', view: ChromiumView = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(join(dir, name), { executablePath: CHROMIUM, headless: true, args: ARGS, ...view })
}

/** Opens `url` in a new page of `context`, logging the page's uncaught errors. */
export async function openPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error('[page error]', error))
  await page.goto(url)
  await page.waitForFunction(() => 'harness' in window)
  return page
}
