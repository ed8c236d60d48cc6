/**
 * What the poller reads next. Wake-ups and backstop ticks add to the plan; any number of them
 * before a poll make one poll (they coalesce), and a poll takes at most a slice of the named
 * topics, so thousands of topics attached at once never make one huge read.
 * @module
 */
import { SWEEP_SLICE, Sweep } from './sweep.js'

/** The work of one poll. */
export interface PollWork {
  /** Topics named by wake-ups (or left with a full batch, or of a slice whose read failed). */
  topics: Set<string>
  /** Ask the store which topics changed (`changedTopics`). */
  askChanges: boolean
  /** Read every tailed topic (a full sweep). */
  everything: boolean
}

const noWork = (): PollWork => ({ topics: new Set(), askChanges: false, everything: false })

/** The work waiting for the next polls. */
export class PollPlan {
  private pending: PollWork = noWork()
  private readonly sweep: Sweep

  /** `topics` lists the tailed topics when a sweep starts. */
  constructor(topics: () => Iterable<string>) {
    this.sweep = new Sweep(topics)
  }

  /** `topic` may have changed. */
  addTopic(topic: string): void {
    this.pending.topics.add(topic)
  }

  /** Ask the store which topics changed. */
  askChanges(): void {
    this.pending.askChanges = true
  }

  /** Read every tailed topic, a slice per poll. */
  readEverything(): void {
    this.pending.everything = true
  }

  /** Read the next slice (at most `size` topics) of a slow sweep: the backstop of a store whose wake-ups name their topics, or of a connected bus. */
  sweepStep(size?: number): void {
    this.sweep.step(size)
  }

  /** Whether a poll has something to do. */
  get due(): boolean {
    const { topics, askChanges, everything } = this.pending
    return topics.size > 0 || askChanges || everything || this.sweep.due
  }

  /** The work of the next poll: the flags, and at most a slice of the named topics (taken out of the pending set in place). */
  take(): PollWork {
    const { pending } = this
    const topics = new Set<string>()
    for (const topic of pending.topics) {
      if (topics.size >= SWEEP_SLICE) break
      topics.add(topic)
    }
    for (const topic of topics) pending.topics.delete(topic)
    const work: PollWork = { topics, askChanges: pending.askChanges, everything: pending.everything }
    pending.askChanges = false
    pending.everything = false
    return work
  }

  /** Hands `work`'s full sweep to the sweep and adds the slice due now to its topics (so a failed read puts the slice back as topics). */
  addSweepSlice(work: PollWork): void {
    if (work.everything) this.sweep.full()
    work.everything = false
    for (const topic of this.sweep.next()) work.topics.add(topic)
  }

  /** Puts back the work of a failed poll, merged with what arrived meanwhile. */
  restore(work: PollWork): void {
    for (const topic of work.topics) this.pending.topics.add(topic)
    this.pending.askChanges ||= work.askChanges
    this.pending.everything ||= work.everything
  }

  /** Forgets everything (the poller stopped). */
  clear(): void {
    this.pending = noWork()
    this.sweep.clear()
  }
}
