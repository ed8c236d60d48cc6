/**
 * Which link a connection uses: the native `EventSource` unless an option needs `fetch`.
 * @module
 */

import type { EventMap } from '../event.js'
import { lazyLink } from './lazy-link.js'
import type { LinkOptions, OpenLink } from './link.js'
import { openNativeLink } from './native-link.js'
import type { ConnectOptions, EventSourceConstructor } from './types.js'

/** The fetch transport's chunk. */
const loadFetchLink = () => import('./fetch-link.js').then((module) => module.openFetchLink)

/** The tab-sharing chunk (which holds the fetch transport too). */
const loadSharedLink = () => import('./shared-link.js').then((module) => module.openSharedLink)

/** Web Locks and BroadcastChannel, which sharing a stream between tabs needs. */
export function canShareStreams(): boolean {
  return (
    typeof BroadcastChannel === 'function' &&
    typeof navigator === 'object' &&
    typeof (navigator as { locks?: { request?: unknown } }).locks?.request === 'function'
  )
}

/** The link for `options`, and what it needs; throws a TypeError for options that contradict each other. */
export function chooseLink(
  url: string,
  options: Omit<ConnectOptions<EventMap>, 'handlers'>,
): { open: OpenLink; options: LinkOptions } {
  const viaFetch = options.headers !== undefined || options.fetch !== undefined
  if (viaFetch && options.EventSource) {
    throw new TypeError(
      'durable-sse/client: headers and fetch use the fetch transport; do not pass options.EventSource with them',
    )
  }
  if (options.shared && options.lastEventId) {
    throw new TypeError("durable-sse/client: shared streams cannot replay one tab's lastEventId; drop one of the two options")
  }
  const fetch = options.fetch ?? (typeof globalThis.fetch === 'function' ? globalThis.fetch : undefined)
  const EventSource = options.EventSource ?? (globalThis as { EventSource?: EventSourceConstructor }).EventSource
  const resolved: LinkOptions = {
    url,
    withCredentials: options.withCredentials === true,
    EventSource,
    headers: options.headers,
    fetch,
    backoffMs: options.backoffMs ?? 1_000,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
  }
  const sharing = options.shared === true && canShareStreams()
  if ((viaFetch || sharing) && !fetch) throw new TypeError('durable-sse/client: no global fetch; pass one as options.fetch')
  if (sharing) return { open: lazyLink(loadSharedLink), options: resolved }
  if (viaFetch) return { open: lazyLink(loadFetchLink), options: resolved }
  if (!EventSource) throw new TypeError('durable-sse/client: no global EventSource; pass one as options.EventSource')
  return { open: openNativeLink, options: resolved }
}
