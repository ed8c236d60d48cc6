/**
 * Reading every tailed topic, in slices, so that one read of a hundred thousand topics never holds
 * up the wake-ups in between. A full pass (a topic-less wake-up from a store that cannot say what
 * changed; the backstop of a store without wake-ups) reads a slice per poll until done. A slow pass
 * (the backstop of a store whose wake-ups name their topics, such as Postgres NOTIFY: insurance
 * against a lost signal, which such a store reports with a topic-less wake-up anyway) reads one
 * slice per backstop tick, so its cost per interval does not grow with the number of topics; with a
 * bus connected that slice is smaller (the poller sets its size), so a pass spans several ticks.
 * @module
 */

/** Most topics read by one slice. */
export const SWEEP_SLICE = 1_000

/** A pass over every tailed topic, a slice at a time. */
export class Sweep {
  private readonly topics: () => Iterable<string>
  private left: string[] = []
  private offset = 0
  private fast = false
  private again = false
  private stepAsked = false
  /** Most topics of the slice a slow step asked for. */
  private stepSize = SWEEP_SLICE

  /** `topics` lists the tailed topics when a pass starts. */
  constructor(topics: () => Iterable<string>) {
    this.topics = topics
  }

  /** Asks for a full pass, a slice per poll; one already running finishes fast, and another follows it. */
  full(): void {
    if (this.running) this.again = true
    else this.start()
    this.fast = true
  }

  /** Asks for one slice of a slow pass (at most `size` topics), starting one when none runs. */
  step(size = SWEEP_SLICE): void {
    if (!this.running) this.start()
    this.stepAsked = true
    this.stepSize = Math.min(size, SWEEP_SLICE)
  }

  /** Whether a slice is due at the next poll. */
  get due(): boolean {
    return this.running && (this.fast || this.stepAsked)
  }

  /** The slice due now (empty when none is), taken off the pass. */
  next(): string[] {
    if (!this.due) return []
    const size = this.fast ? SWEEP_SLICE : this.stepSize
    this.stepAsked = false
    const slice = this.left.slice(this.offset, this.offset + size)
    this.offset += slice.length
    if (!this.running) {
      this.fast = false
      if (this.again) {
        this.again = false
        this.start()
        this.fast = true
      }
    }
    return slice
  }

  /** Forgets any pass (the poller stopped). */
  clear(): void {
    this.left = []
    this.offset = 0
    this.fast = this.again = this.stepAsked = false
  }

  private get running(): boolean {
    return this.offset < this.left.length
  }

  private start(): void {
    this.left = [...this.topics()]
    this.offset = 0
  }
}
