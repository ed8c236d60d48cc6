/**
 * Where a connection's events go, one way down: the connection hands each batch to its batch sink
 * (an SSE stream's writer, which frames it, or an iterator, which yields its records); the writer
 * hands bytes to the transport's byte sink (a Node response, a web stream).
 * @module
 */
import type { Batch } from './batch.js'

/**
 * Why a connection ended: the client went away (`closed`), it fell behind with `onSlow:
 * 'disconnect'` (`slow`), the broker closed (`shutdown`), `maxStreamMs` passed (`expired`), a
 * re-check refused it (`unauthorized`), retention pruned events it had not read yet (`reset`),
 * or a catch-up read (or a write) failed (`error`).
 */
export type EndReason = 'closed' | 'slow' | 'shutdown' | 'expired' | 'unauthorized' | 'reset' | 'error'

/** What a connection hands its batches to: an SSE stream's writer, or an iterator. */
export interface BatchSink {
  /**
   * Takes a batch: consecutive events of one topic, right after the last batch of that topic it
   * took. Returns `false` when full; the connection's `drained()` is called once it can take more.
   */
  write(batch: Batch): boolean
  /** Writes a keep-alive, if it has one (only while nothing waits to be written). */
  heartbeat(): void
  /** Ends it, after the last batch. */
  end(reason: EndReason): void
}

/** What an SSE transport implements: it takes bytes and knows nothing of events. */
export interface ByteSink {
  /** Writes bytes; `false` when the transport must drain first (it then calls its stream's `drained()`). */
  write(bytes: Uint8Array): boolean
  /** Ends the transport after the last bytes; a reason other than `closed` means the server ended the stream. */
  end(reason: EndReason): void
}
