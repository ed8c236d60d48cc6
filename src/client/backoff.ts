/**
 * When to reconnect: capped exponential backoff with jitter after failures, the server's `retry:`
 * after a clean end.
 * @module
 */

/** The longest delay `setTimeout` honours (a larger one fires at once). */
const MAX_TIMER_MS = 2_147_483_647

/** The delays of one link's reconnection attempts. */
export class Backoff {
  private failures = 0

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /**
   * The delay before the next attempt after a failure: `base * 2^failures` capped at `maxMs`, of
   * which a random half is kept (so clients that failed together do not return together). `base`
   * is the server's `retry:` when it sent one.
   */
  afterFailure(retryMs?: number): number {
    const ceiling = Math.min(this.maxMs, (retryMs ?? this.initialMs) * 2 ** this.failures)
    this.failures++
    return Math.min(MAX_TIMER_MS, ceiling / 2 + (Math.random() * ceiling) / 2)
  }

  /** The delay before reconnecting after the server ended the stream cleanly: its `retry:`, as the WHATWG client does. */
  afterEnd(retryMs?: number): number {
    return Math.min(MAX_TIMER_MS, retryMs ?? this.initialMs)
  }

  /** The stream opened: the next failure starts from the base delay again. */
  reset(): void {
    this.failures = 0
  }
}
