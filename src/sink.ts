/**
 * Where a connection's events go: an SSE response, a web stream, an async iterator. Transports
 * implement it; the connection calls it.
 * @module
 */
import type { Batch } from './batch.js'

/**
 * Why a connection ended: the client went away (`closed`), it fell behind with `onSlow:
 * 'disconnect'` (`slow`), the broker closed (`shutdown`), `maxStreamMs` passed (`expired`), a
 * re-check refused it (`unauthorized`), retention pruned events it had not read yet (`reset`),
 * or a catch-up read failed (`error`).
 */
export type EndReason = 'closed' | 'slow' | 'shutdown' | 'expired' | 'unauthorized' | 'reset' | 'error'

/** Where a connection's events go. */
export interface Sink {
  /**
   * Takes a batch (consecutive events of one topic); returns `false` when full, and calls the
   * connection's `drained()` once it can take more. A byte transport gets the bytes with the
   * connection's `framesOf(batch)`, exactly once per batch, in the order given.
   */
  write(batch: Batch): boolean
  /** Writes a keep-alive, if the transport has one. */
  heartbeat(): void
  /** Ends the transport (after the last batch). */
  end(reason: EndReason): void
}
