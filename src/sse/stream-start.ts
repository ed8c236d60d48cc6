/**
 * The seam between the stream server and an SSE transport (`node.ts`, `web.ts`): what the server
 * decided about a request before any byte is written, and how a transport runs a stream. A
 * transport answers a refusal or a "retry later" with their status and body; for a stream it sends
 * the SSE headers, then calls `open(sink)` with its byte sink. From then on the stream writes bytes
 * into the sink (`retry:`, any `reset`, `connected`, the events, heartbeats, and a `retry:` hint
 * when the server ends it), and the transport tells the stream when its sink drained and when the
 * client went away. A transport knows nothing of events, topics or frames.
 * @module
 */
import type { ByteSink } from '../sink.js'

/** A refusal before the stream: 400 (bad topic or position), 401/403 (authorize), 500 (authorize threw). */
export interface Refusal {
  kind: 'refuse'
  /** HTTP status. */
  status: 400 | 401 | 403 | 500
  /** Short text body. */
  body: string
}

/** "Try again later" (limit reached, shutting down, store unavailable): 200, this `retry:` body, end. */
export interface RetryLater {
  kind: 'retry-later'
  /** The SSE body: a `retry:` line telling the browser how long to wait. */
  body: string
}

/** An open SSE stream, as its transport drives it. */
export interface SseStream {
  /** The sink can take more bytes (Node's `drain`, a web stream's `pull`). */
  drained(): void
  /** The client went away: the stream ends without writing more. */
  cancel(): void
}

/** A stream to run: after the SSE headers, `open` it on the transport's byte sink. */
export interface OpenStream {
  kind: 'stream'
  /** Starts writing the stream into `sink`; returns the stream, for the transport's drain and disconnect signals. */
  open(sink: ByteSink): SseStream
}

/** The stream server's decision about an SSE request. */
export type StreamStart = Refusal | RetryLater | OpenStream
