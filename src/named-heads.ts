/**
 * Heads that a bus named (a wake-up, or events past a gap) and that the poller's read has not
 * reached yet. A commit can be known a moment before other sessions can read it (the Postgres
 * relay decodes it from the WAL first), so a read that comes up short of a named head is tried
 * again 5, 20 and 60 ms later before the backstop is left to find it.
 * @module
 */
import type { EventStore } from './store.js'

/** Pauses before each re-read of a topic whose read came up short of its named head, in ms. */
const RETRIES_MS = [5, 20, 60]

/** A head named for a topic, and the re-reads done for it. */
interface Named {
  /** Its epoch. */
  epoch: string
  /** Its position. */
  seq: number
  /** Re-reads scheduled so far. */
  tries: number
  /** The pending re-read. */
  timer: ReturnType<typeof setTimeout> | undefined
}

/** The heads named per topic, and their re-reads. */
export class NamedHeads {
  private readonly heads = new Map<string, Named>()
  private readonly positionOf: EventStore['positionOf']
  private readonly wake: (topic: string) => void

  constructor(positionOf: EventStore['positionOf'], wake: (topic: string) => void) {
    this.positionOf = positionOf
    this.wake = wake
  }

  /** `head` was named for `topic` (a read of it follows). */
  name(topic: string, head: string): void {
    const position = this.positionOf?.(head)
    if (position === undefined) return
    const known = this.heads.get(topic)
    if (known && known.epoch === position.epoch && known.seq >= position.seq) return
    if (known) clearTimeout(known.timer)
    this.heads.set(topic, { ...position, tries: 0, timer: undefined })
  }

  /** A read of `topic` left its tail at `cursor`: the named head is forgotten once reached, else read for again soon (a few times). */
  read(topic: string, cursor: string): void {
    const named = this.heads.get(topic)
    if (named === undefined || named.timer !== undefined) return
    const at = this.positionOf?.(cursor)
    const pauseMs = RETRIES_MS[named.tries]
    if (at === undefined || at.epoch !== named.epoch || at.seq >= named.seq || pauseMs === undefined) {
      this.heads.delete(topic)
      return
    }
    named.tries++
    named.timer = setTimeout(() => {
      named.timer = undefined
      this.wake(topic)
    }, pauseMs)
    named.timer.unref()
  }

  /** Forgets `topic` (no longer tailed). */
  forget(topic: string): void {
    clearTimeout(this.heads.get(topic)?.timer)
    this.heads.delete(topic)
  }

  /** Forgets every topic. */
  clear(): void {
    for (const named of this.heads.values()) clearTimeout(named.timer)
    this.heads.clear()
  }
}
