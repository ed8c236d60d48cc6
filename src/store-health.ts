/**
 * How the broker's store has been answering, per operation: every store call the broker makes
 * (through `bounded-store.ts`) reports here whether it succeeded or failed. An operation is failing
 * from its first failed call until one succeeds; `broker.health()` reads it, and the telemetry
 * counts failures by kind.
 * @module
 */

/** A failing operation's run of failures. */
interface FailingRun {
  /** `performance.now()` of the first failure of the run. */
  since: number
  /** `performance.now()` of the latest failure. */
  last: number
  /** The latest error. */
  error: unknown
}

/** One operation that is failing, as `broker.health()` shows it. */
export interface FailingOperation {
  /** The `EventStore` method (`readAfter`, `append`, ...). */
  operation: string
  /** How long it has been failing, in ms (since its first failure in a row). */
  forMs: number
  /** The latest error, as `Name: message`. */
  error: string
}

/** The per-operation record of the store's answers. */
export class StoreHealth {
  private readonly failing = new Map<string, FailingRun>()
  /** Told of every failed call (telemetry counts them by kind). */
  onFailure: ((operation: string, error: unknown) => void) | undefined

  /** A call of `operation` succeeded: it is no longer failing. */
  succeeded(operation: string): void {
    if (this.failing.size > 0) this.failing.delete(operation)
  }

  /** A call of `operation` failed with `error`. */
  failed(operation: string, error: unknown): void {
    const now = performance.now()
    const run = this.failing.get(operation)
    if (run) {
      run.last = now
      run.error = error
    } else this.failing.set(operation, { since: now, last: now, error })
    this.onFailure?.(operation, error)
  }

  /**
   * The operations failing now: those whose last call failed, within the last `recentMs` (an
   * operation that failed once and was not called since does not count as failing forever).
   */
  failingNow(recentMs: number): FailingOperation[] {
    if (this.failing.size === 0) return []
    const now = performance.now()
    const out: FailingOperation[] = []
    for (const [operation, run] of this.failing) {
      if (now - run.last > recentMs) continue
      out.push({ operation, forMs: Math.round(now - run.since), error: describe(run.error) })
    }
    return out
  }
}

/** `Name: message` of an error, or its text. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}
