/**
 * The read fence of a replica read: the primary's WAL write position taken after the read was
 * asked. A replica that has replayed up to it holds every commit with events the primary had made
 * visible by then (a standby applies commits in WAL order, and such a commit is visible only once
 * its record is flushed: the append keeps `synchronous_commit` at least `local`), so a read there
 * answers what a read of the primary would have at the moment it was asked.
 * Concurrent reads share one fence query.
 * @module
 */

/** A position in the primary's WAL, and when this process learnt it. */
export interface Fence {
  /** The WAL position (an LSN as a number). */
  lsn: bigint
  /** `performance.now()` when the primary answered. */
  at: number
  /** The primary's timeline then: a replica read is labelled with it (a standby cannot tell its own). */
  timeline: number | string
}

/** Postgres's text form of an LSN: two hexadecimal halves. */
const LSN = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i

/** An LSN's text (`16/B374D848`) as a number, so positions compare; a `TypeError` for anything else. */
export function parseLsn(text: string): bigint {
  const match = LSN.exec(text)
  if (match === null) throw new TypeError(`durable-sse/postgres: not a WAL position: ${JSON.stringify(text)}`)
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`)
}

const ignore = (): void => {}

/**
 * Runs `query` on behalf of many callers: each call resolves with the answer of a run that started
 * after the call was made (never one already in flight), and every call made while a run is in
 * flight shares the one run that follows it. So at most one run is in flight, however many callers.
 */
export function coalesced<T>(query: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined
  let queued: Promise<T> | undefined
  const start = (): Promise<T> => {
    const run = (async () => query())()
    inFlight = run
    const clear = (): void => {
      if (inFlight === run) inFlight = undefined
    }
    run.then(clear, clear)
    return run
  }
  return () => {
    if (queued !== undefined) return queued
    if (inFlight === undefined) return start()
    const next = inFlight.then(ignore, ignore).then(() => {
      queued = undefined
      return start()
    })
    queued = next
    return next
  }
}
