/**
 * The test's side of the client page (`pages/client-page.ts`): start a connection in a page, read
 * what it recorded, and ask the page's origin for something else while its streams are open.
 */
import type { Page } from 'playwright-core'
import type { Harness, HarnessOptions, Recorded } from '../pages/client-page.js'

/** What the page's connection reported so far. */
export function recordOf(page: Page): Promise<Recorded> {
  return page.evaluate(() => (window as unknown as { harness: Harness }).harness.record)
}

/** Starts a `connect()` on `path` in `page`. */
export function startStream(page: Page, path: string, options: HarnessOptions = {}): Promise<void> {
  return page.evaluate(({ path, options }) => (window as unknown as { harness: Harness }).harness.start(path, options), {
    path,
    options,
  })
}

/** A `fetch` of `/api/ping` from the page: `pong`, or `timeout` when it got no answer within `timeoutMs`. */
export function ping(page: Page, timeoutMs: number): Promise<string> {
  return page.evaluate(
    (timeoutMs) =>
      fetch('/api/ping', { signal: AbortSignal.timeout(timeoutMs) }).then(
        (response) => response.text(),
        () => 'timeout',
      ),
    timeoutMs,
  )
}
