/**
 * Reporting failures that repeat. A store that is down fails every call until it is back: one
 * report per kind of failure (its class, `code` and message) says as much as a thousand.
 * @module
 */

/** Most kinds remembered between two successes (then it starts over, so memory stays bounded). */
const MAX_KINDS = 100

/** What makes two failures the same kind: class name, `code` and message. */
function kindOf(error: unknown): string {
  if (!(error instanceof Error)) return `thrown: ${String(error)}`
  return `${error.name}\n${String((error as { code?: unknown }).code)}\n${error.message}`
}

/** Reports each kind of failure once, until a success. */
export class FailureLog {
  private readonly report: (error: unknown) => void
  private readonly reported = new Set<string>()

  constructor(report: (error: unknown) => void) {
    this.report = report
  }

  /** Whether a failure was seen since the last success. */
  get failing(): boolean {
    return this.reported.size > 0
  }

  /** Reports `error`, unless a failure of its kind was reported since the last success. */
  failed(error: unknown): void {
    const kind = kindOf(error)
    if (this.reported.has(kind)) return
    if (this.reported.size >= MAX_KINDS) this.reported.clear()
    this.reported.add(kind)
    this.report(error)
  }

  /** A call succeeded: any failure is reported again. */
  succeeded(): void {
    if (this.reported.size > 0) this.reported.clear()
  }
}
