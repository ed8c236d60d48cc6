/**
 * Building the stream URL of a first connection.
 * @module
 */

/** Adds `lastEventId=<id>` to `url`'s query (before any `#fragment`); works for relative URLs too. */
export function withLastEventId(url: string, lastEventId: string | undefined): string {
  if (!lastEventId) return url
  const hash = url.indexOf('#')
  const base = hash === -1 ? url : url.slice(0, hash)
  const fragment = hash === -1 ? '' : url.slice(hash)
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&'
  return `${base}${separator}lastEventId=${encodeURIComponent(lastEventId)}${fragment}`
}
