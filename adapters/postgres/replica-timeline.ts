/**
 * Whether a read replica replays the primary's timeline. A standby that had replayed commits a
 * promoted one lacks cannot follow it: it stays on the old timeline, and since the WAL positions of
 * the two timelines overlap, its replay position can look caught up with the new primary's fence
 * for as long as the new primary has written less WAL than was lost, while it serves the lost
 * events. So a replica is read only while its timeline is the fence's. Its timeline is that of its
 * last restartpoint (`pg_control_checkpoint()`, the only one a standby can tell without
 * privileges): a replica that follows a promotion reaches it at its first restartpoint there
 * (`checkpoint_timeout`, or `CHECKPOINT` on the standby), and until then reads go to the primary.
 * @module
 */
import type { Kysely } from 'kysely'
import { rowsOf } from '../kit/sql-store-parts.js'

/** How long a replica found on another timeline (or not answering) is left before it is asked again, in ms. */
const RECHECK_MS = 1_000

/** What a replica was found on, and when. */
interface Found {
  /** Its timeline (`NaN` when the check failed). */
  timeline: number
  /** `performance.now()` of the check. */
  at: number
}

/** The timelines of a store's replicas, asked once per primary timeline (and again each second while they differ). */
export class ReplicaTimelines {
  private readonly found = new WeakMap<Kysely<any>, Found>()
  /** The primary timelines a replica was reported for, so it is reported once per failover. */
  private readonly reported = new WeakMap<Kysely<any>, number>()
  private readonly statement: string
  private readonly report: (error: Error) => void

  /** `statement`: one row, `timeline`, on a standby; `report` hears of a replica on another timeline, once per primary timeline. */
  constructor(statement: string, report: (error: Error) => void) {
    this.statement = statement
    this.report = report
  }

  /** Whether the replica `db` (named `name`) replays `timeline`, the primary's as of the read's fence. */
  async holds(name: string, db: Kysely<any>, timeline: number | string): Promise<boolean> {
    const wanted = Number(timeline)
    const known = this.found.get(db)
    if (known?.timeline === wanted) return true
    if (known !== undefined && performance.now() - known.at < RECHECK_MS) return false
    let found = Number.NaN
    try {
      const [row] = await rowsOf<{ timeline: number | string | null }>(db, this.statement)
      found = Number(row?.timeline ?? Number.NaN)
    } catch {
      // Not answering: its own reads notice and report it.
    }
    this.found.set(db, { timeline: found, at: performance.now() })
    if (found === wanted) return true
    if (!Number.isNaN(found) && this.reported.get(db) !== wanted) {
      this.reported.set(db, wanted)
      this.report(
        new Error(
          `durable-sse/postgres: replica ${name} is on timeline ${found}, the primary on ${wanted}: reads go to the primary until it follows (a standby that replayed commits the new primary lacks needs pg_rewind or a new base backup)`,
        ),
      )
    }
    return false
  }
}
