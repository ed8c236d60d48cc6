/**
 * Open-loop publishing: events are due at scheduled times (`start + i / rate`) whatever happened
 * to earlier ones, and each carries its scheduled time, so a slow system shows up as latency
 * instead of silently publishing less (no coordinated omission). Bounded in count and in time.
 * @module
 */
import { nowUs } from './clock.js'

/** One event due now: its index and scheduled time (µs, machine-wide monotonic clock). */
export interface Due {
  /** 0-based index in the schedule. */
  seq: number
  /** Scheduled time, µs. */
  t: number
}

/** Options of {@link runOpenLoop}. */
export interface OpenLoopOptions {
  /** Events per second. */
  rate: number
  /** Events in total. */
  count: number
  /** Stop scheduling after this many ms even if events remain. */
  maxMs: number
  /** Delay before the first event, ms (lets the caller learn the start time first). Default 20. */
  leadMs?: number
  /** Called once per tick with every event due by then (usually one; several when late or fast). */
  onDue: (due: Due[]) => void
}

/** What a schedule did. */
export interface OpenLoopResult {
  /** Scheduled time of the first event, µs. */
  startUs: number
  /** Events handed to `onDue`. */
  published: number
  /** Largest delay between an event's scheduled time and its hand-off, ms. */
  maxLagMs: number
}

/** Runs a schedule; resolves once every event was handed over (or `maxMs` passed). */
export function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalUs = 1_000_000 / options.rate
  const startUs = nowUs() + (options.leadMs ?? 20) * 1000
  const deadline = startUs + options.maxMs * 1000
  let next = 0
  let maxLagUs = 0
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = nowUs()
      const due: Due[] = []
      while (next < options.count && startUs + next * intervalUs <= now) {
        const t = Math.round(startUs + next * intervalUs)
        maxLagUs = Math.max(maxLagUs, now - t)
        due.push({ seq: next, t })
        next++
      }
      if (due.length > 0) options.onDue(due)
      if (next >= options.count || now >= deadline) {
        resolve({ startUs, published: next, maxLagMs: maxLagUs / 1000 })
        return
      }
      const waitUs = startUs + next * intervalUs - nowUs()
      if (waitUs >= 1000) setTimeout(tick, Math.floor(waitUs / 1000))
      else setImmediate(tick)
    }
    setTimeout(tick, options.leadMs ?? 20)
  })
}
