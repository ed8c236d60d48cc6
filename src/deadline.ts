/**
 * Deadlines: the one mechanism behind every bound in the package (the broker's `storeTimeoutMs`,
 * a store's statement deadline, the LISTEN heartbeat). A deadline sits on every database call of
 * the hot paths (each publish's append, each poll's read), so it must cost next to nothing: one
 * timer per call (created, indexed, cancelled) costs more than the rest of the bookkeeping of a
 * call. So the calls waiting under one length of deadline share one coarse clock: each is put in
 * a slot when it starts and taken out when it settles, and the clock, ticking every eighth of the
 * length while any call waits, fails the calls it finds too old. A call fails between its
 * deadline and an eighth after it.
 * @module
 */

/** Ticks per deadline length: a call fails at most this fraction of the length late. */
const TICKS_PER_DEADLINE = 8

/** A call waiting under a deadline. */
class Waiting {
  /** The clock's tick count when it started. */
  readonly since: number
  /** Fails the call. */
  readonly expire: () => void
  /** Its index in the clock's slots; -1 once out. */
  index: number

  constructor(since: number, expire: () => void, index: number) {
    this.since = since
    this.expire = expire
    this.index = index
  }
}

/** Calls under one length of deadline, and the clock that fails those past it. */
export class Deadline {
  /** The deadline, in ms. */
  readonly timeoutMs: number
  private readonly slots: Waiting[] = []
  private ticks = 0
  private clock: ReturnType<typeof setInterval> | undefined

  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs
  }

  /**
   * `promise`, or a rejection with what `onTimeout()` returns once the deadline passed first
   * (`onTimeout` may also act: destroy the connection that hung). What `promise` does later is
   * ignored (a late rejection is not unhandled).
   */
  within<T>(promise: Promise<T>, onTimeout: () => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiting = new Waiting(
        this.ticks,
        () => {
          promise.catch(() => {})
          reject(onTimeout())
        },
        this.slots.length,
      )
      this.slots.push(waiting)
      this.clock ??= this.startClock()
      promise.then(
        (value) => {
          this.remove(waiting)
          resolve(value)
        },
        (error: unknown) => {
          this.remove(waiting)
          reject(error)
        },
      )
    })
  }

  /** Ticks every eighth of the deadline while calls wait (never keeping the process alive). */
  private startClock(): ReturnType<typeof setInterval> {
    const tickMs = Math.max(1, this.timeoutMs / TICKS_PER_DEADLINE)
    // A call that started just after a tick has waited the whole length once this many more have passed.
    const ticksToExpire = Math.ceil(this.timeoutMs / tickMs) + 1
    const clock = setInterval(() => {
      this.ticks++
      for (let i = this.slots.length - 1; i >= 0; i--) {
        const waiting = this.slots[i] as Waiting
        if (this.ticks - waiting.since < ticksToExpire) continue
        this.remove(waiting)
        waiting.expire()
      }
      if (this.slots.length === 0) {
        clearInterval(clock)
        this.clock = undefined
      }
    }, tickMs)
    clock.unref()
    return clock
  }

  /** Takes `waiting` out of its slot (the last slot fills the hole), once: it settled or expired. */
  private remove(waiting: Waiting): void {
    if (waiting.index < 0) return
    const last = this.slots.pop() as Waiting
    if (last !== waiting) {
      this.slots[waiting.index] = last
      last.index = waiting.index
    }
    waiting.index = -1
  }
}
