/**
 * What an HTTP answer that is not an open event stream means for the connection.
 * @module
 */
import { type ClientError, ConnectionFailedError, UnauthorizedError } from './errors.js'

/** Stop for good (`error` to report, if any), or retry with backoff (`error` to report, if any). */
export type Verdict = { stop: boolean; error: ClientError | undefined }

/** True for a `Content-Type` whose essence is `text/event-stream`. */
export function isEventStream(contentType: string | null): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'text/event-stream'
}

/**
 * 204 stops without an error (the WHATWG "stop reconnecting"); 401/403 stop with an
 * {@link UnauthorizedError}; any other status (5xx from a proxy while the app is down, a 404
 * during a deploy) or a 200 that is not an event stream is reported and retried; no status at all
 * (a network error) is retried silently.
 */
export function verdictOf(status: number | undefined, contentType: string | null = null): Verdict {
  if (status === undefined) return { stop: false, error: undefined }
  if (status === 204) return { stop: true, error: undefined }
  if (status === 401 || status === 403) return { stop: true, error: new UnauthorizedError(status) }
  if (status === 200 && isEventStream(contentType)) return { stop: false, error: undefined }
  const detail = status === 200 ? `the answer is ${contentType ?? 'untyped'}, not text/event-stream` : undefined
  return { stop: false, error: new ConnectionFailedError(status, detail) }
}
