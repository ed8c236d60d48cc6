/**
 * The read fence of a replica read: the primary's WAL insert position taken after the read was
 * asked. A replica that has replayed up to it holds every commit the primary had made visible by
 * then (a standby applies commits in WAL order; a visible commit's record is inserted, written or
 * not), so a read there answers what a read of the primary would have at the moment it was asked.
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

/** The primary's answer to the fence statement (`fence` of `postgres-sql.ts`). */
export interface FenceRow {
  /** `pg_current_wal_insert_lsn()`. */
  lsn: string
  /** Its offset in its WAL segment file. */
  segment_offset: string | number
  /** `wal_block_size`: the WAL page size. */
  block_size: string | number
}

/** Sizes of a WAL page header on a 64-bit server: a segment's first page has the long one. */
const SHORT_PAGE_HEADER = 24n
const LONG_PAGE_HEADER = 40n

/**
 * The fence of the primary's answer: its insert position, or the page boundary when that position
 * is right after a page header (Postgres reports the next record's start there, while a replica
 * that replayed everything stands at the boundary, where the last record ended).
 */
export function fenceOf(row: FenceRow): bigint {
  const lsn = parseLsn(row.lsn)
  if (BigInt(row.segment_offset) === LONG_PAGE_HEADER) return lsn - LONG_PAGE_HEADER
  if (lsn % BigInt(row.block_size) === SHORT_PAGE_HEADER) return lsn - SHORT_PAGE_HEADER
  return lsn
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
