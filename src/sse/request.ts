/**
 * Reading the resume position of an SSE request.
 * @module
 */

/**
 * The id a client resumes after: the `Last-Event-ID` header (what `EventSource` sends on
 * reconnect) wins over the `lastEventId` query parameter (for the first connection). An empty
 * value counts as none. Node decodes header bytes as latin1; our ids are ASCII, so that is exact.
 */
export function lastEventIdOf(header: string | string[] | null | undefined, query: string | null): string | undefined {
  const fromHeader = Array.isArray(header) ? header[0] : header
  if (fromHeader) return fromHeader
  return query || undefined
}
