/**
 * The browser's `online` event: a link waiting to reconnect (a backoff after a failure, or an
 * `EventSource` waiting out the server's `retry:`) tries again at once when the network returns,
 * instead of at the end of a delay that may be 30 s long.
 * @module
 */

/** What `globalThis` is in a window or a worker (in Node it has no `addEventListener`). */
type EventTargetLike = {
  addEventListener?: (type: 'online', listener: () => void) => void
  removeEventListener?: (type: 'online', listener: () => void) => void
}

/** Calls `retry` each time the browser reports that it is back online; returns the function that stops it. */
export function onBackOnline(retry: () => void): () => void {
  const target = globalThis as EventTargetLike
  if (typeof target.addEventListener !== 'function') return () => {}
  target.addEventListener('online', retry)
  return () => target.removeEventListener?.('online', retry)
}
