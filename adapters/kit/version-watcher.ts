/**
 * Wake-ups from a polled version token: while at least one listener is registered, a timer reads
 * a token every few tens of milliseconds and calls the listeners when it changed. SQLite's token is
 * `PRAGMA data_version` (it moves when any other connection commits); MySQL's is its change
 * cursor (it moves when an event commits, whoever wrote it). Either moves exactly when new events
 * may have become readable.
 * @module
 */
import type { Unsubscribe } from '../../src/store.js'

/** Reads the current version token, or `undefined` when it cannot be read right now. */
export type ReadVersion = () => string | undefined | Promise<string | undefined>

/** Polls a version token and calls listeners when it changes; the timer runs only while someone listens. */
export class DataVersionWatcher {
  readonly #read: ReadVersion
  readonly #intervalMs: number
  readonly #listeners = new Set<() => void>()
  /** The last token seen (`undefined` until the first check after the first listener arrived). */
  #last: string | undefined
  #timer: ReturnType<typeof setTimeout> | undefined
  #checking = false
  #closed = false

  constructor(read: ReadVersion, intervalMs: number) {
    this.#read = read
    this.#intervalMs = intervalMs
  }

  /** Calls `listener` after each change; the first listener starts the timer, the last one's unsubscribe stops it. */
  subscribe(listener: (topic?: string) => void): Unsubscribe {
    if (this.#closed) return () => {}
    const entry = (): void => listener()
    this.#listeners.add(entry)
    if (this.#listeners.size === 1) {
      // A fresh baseline, read now: commits from before anyone listened are not news to the poller
      // that is just starting, and one landing after this read is noticed by the next check.
      this.#last = undefined
      if (!this.#checking) this.#tick()
    }
    return () => {
      if (this.#listeners.delete(entry) && this.#listeners.size === 0) this.#stop()
    }
  }

  /** Stops the timer and forgets every listener. */
  close(): void {
    this.#closed = true
    this.#listeners.clear()
    this.#stop()
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined || this.#checking || this.#listeners.size === 0) return
    this.#timer = setTimeout(this.#tick, this.#intervalMs)
    this.#timer.unref?.()
  }

  #stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /** Checks now, then schedules the next check. */
  readonly #tick = (): void => {
    this.#timer = undefined
    this.#checking = true
    void this.#check().finally(() => {
      this.#checking = false
      this.#schedule()
    })
  }

  async #check(): Promise<void> {
    let version: string | undefined
    try {
      version = await this.#read()
    } catch {
      return // a failed check is retried at the next tick; the broker's backstop poll covers the gap
    }
    if (version === undefined || this.#listeners.size === 0) return
    const changed = this.#last !== undefined && version !== this.#last
    this.#last = version
    if (!changed) return
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch {
        // One listener's failure must not cost the others their wake-up.
      }
    }
  }
}
