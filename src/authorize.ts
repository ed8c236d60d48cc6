/**
 * Authorization of SSE streams: what `authorize` is told, what it may answer, and what an answer
 * means. It runs before any replay, and again every `reauthorizeMs` for open streams.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Http2ServerRequest } from 'node:http2'

/** The answer of an `authorize` callback: `true` (or nothing) allows, `false` is a 403, `401`/`403` pick the status. */
export type AuthorizeResult = boolean | 401 | 403 | undefined

/** What `authorize` is told about an SSE request. */
export interface AuthorizeContext {
  /** The requested topics, sorted, duplicates folded. */
  topics: readonly string[]
  /** The first of `topics` (the only one of a one-topic stream). */
  topic: string
  /** The position the client resumes after, if any (an event id, or a multi-topic cursor). */
  lastEventId: string | undefined
  /** The Node request (Node handlers): HTTP/1.x, or HTTP/2's compatibility API. */
  req?: IncomingMessage | Http2ServerRequest
  /** The web request (web handlers). */
  request?: Request
}

/** Decides whether a request may subscribe to its topics; runs before any replay. May be async. */
export type Authorize = (context: AuthorizeContext) => AuthorizeResult | Promise<AuthorizeResult>

/** The status of a refusal, or `undefined` when the answer allows. */
export function refusalOf(verdict: AuthorizeResult): 401 | 403 | undefined {
  if (verdict === false || verdict === 403) return 403
  if (verdict === 401) return 401
  return undefined
}
