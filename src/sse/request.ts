/**
 * Reading the resume position of an SSE request.
 * @module
 */

/**
 * The id a client resumes after: the `Last-Event-ID` header (what `EventSource` sends on
 * reconnect) wins over the `lastEventId` query parameter (for the first connection). An empty
 * value counts as none. Node decodes header bytes as latin1; our ids are ASCII, so that is exact.
 *
 * A position given twice is ambiguous, so it is never resumed from a guess: Node and `Headers`
 * join a repeated header as `a, b`, a repeated query parameter is joined the same way (whether or
 * not a header is present), and the store's `isValidId` refuses such an id: a 400 before any stream,
 * like any malformed id.
 */
export function lastEventIdOf(header: string | string[] | null | undefined, query: URLSearchParams): string | undefined {
  const queried = query.getAll('lastEventId')
  if (queried.length > 1) return queried.join(', ')
  const fromHeader = Array.isArray(header) ? header.join(', ') : header
  if (fromHeader) return fromHeader
  return queried[0] || undefined
}
