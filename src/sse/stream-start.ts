/**
 * What the stream server decided about an SSE request, before any byte is written: refuse it, ask
 * the browser to come back later, or stream a connection. The Node and web transports render it.
 * @module
 */
import type { Connection } from '../connection.js'

/** A refusal before the stream: 400 (bad topic or position), 401/403 (authorize), 500 (authorize threw). */
export interface Refusal {
  kind: 'refuse'
  /** HTTP status. */
  status: 400 | 401 | 403 | 500
  /** Short text body. */
  body: string
}

/** "Try again later" (limit reached, shutting down, store unavailable): 200, `retry:`, end. */
export interface RetryLater {
  kind: 'retry-later'
  /** How long the browser should wait, in ms. */
  retryMs: number
}

/** An open stream: write `prelude` (`retry:`, any `reset`s, `connected`), then the connection's events. */
export interface OpenStream {
  kind: 'stream'
  /** The started connection. */
  connection: Connection
  /** First bytes of the stream. */
  prelude: string
  /** `retry:` value for the farewell frame, in ms. */
  retryMs: number
}

/** The stream server's decision about an SSE request. */
export type StreamStart = Refusal | RetryLater | OpenStream
