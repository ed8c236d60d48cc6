/**
 * One read replica: whether reads may go to it, how far it has replayed, how far behind it is, and
 * the background probe that brings it back once bypassed. A read waits (short retries, at most
 * `maxReplicaLagMs`) until the replica has replayed its fence; one that waits in vain goes to the
 * primary and the replica is bypassed (`'lagging'`) until a probe sees it keep up again. A replica
 * that fails (an error, a missed deadline, no connection), is not a standby, or holds another
 * database than the primary's is bypassed (`'down'`), reported once, and probed with a doubling
 * pause until it answers.
 * @module
 */
import type { Kysely } from 'kysely'
import type { ReplicaReadStatus } from '../../src/store.js'
import { rowsOf } from '../kit/sql-store-parts.js'
import type { PostgresConnection } from './postgres-connection.js'
import { coalesced, type Fence, parseLsn } from './read-fence.js'

/** Pauses between a read's looks at the replica's replay position, in ms (cut at `maxReplicaLagMs` in all): short at first, since a healthy replica replays a commit within a millisecond or two. */
const RETRY_PAUSES_MS = [1, 1, 2, 2, 4, 5, 10, 20, 40, 80, 160, 320]

/**
 * How long a replay position seen stands for the replica's state without another look, in ms. A
 * restarted standby can briefly show less than it did (it opens once consistent, then replays again
 * what it had replayed), but a restart takes far longer than this.
 */
const TRUSTED_FOR_MS = 10

/** How often a replica bypassed for lagging is probed, in ms. */
const LAGGING_PROBE_MS = 100

/** What {@link orLate} resolves with when the promise did not settle in time. */
const LATE = Symbol('late')

/** `promise`'s value, or {@link LATE} once `ms` have passed without it settling (its later rejection is left to the caller). */
function orLate<T>(promise: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), Math.max(0, ms))
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** What a replica needs from its store. */
export interface ReplicaSettings {
  /** Its name for status and errors: `host:port/database`. */
  name: string
  /** Opens its connection (deadlines and guards as the store's); `lost` is to be called with each of its connections that fails. */
  connect: (lost: () => void) => PostgresConnection
  /** The statement that reads its replay position (`replayed` of `postgres-sql.ts`). */
  replayedSql: string
  /** The primary's fence, shared by the store's reads. */
  fence: () => Promise<Fence>
  /** Rejects unless `db` (the replica) holds the primary's database: checked before its first read and after each failure. */
  sameDatabase: (db: Kysely<any>) => Promise<void>
  /** How long a read waits for it, in ms. */
  maxLagMs: number
  /** First pause before a replica that is down is probed, in ms. */
  probeMinMs: number
  /** Largest pause between probes of a replica that is down, in ms. */
  probeMaxMs: number
  /** Where a failure is reported (once each time it goes down). */
  report: (error: unknown) => void
}

/** The error a replica that is not a standby gets (its data may have diverged from the primary's). */
class NotAStandbyError extends Error {
  override name = 'NotAStandbyError'
}

/** One read replica of a store. */
export class Replica {
  private state: ReplicaReadStatus['state'] = 'starting'
  /** The replay position seen last, and `performance.now()` when. */
  private replayed = 0n
  private replayedAt = Number.NEGATIVE_INFINITY
  private lagMs: number | undefined
  /** `performance.now()` of the oldest fence a read waited for in vain, while it has not replayed it. */
  private behindSince: { lsn: bigint; at: number } | undefined
  private reads = 0
  private fallbacks = 0
  private probe: ReturnType<typeof setTimeout> | undefined
  private probeDelayMs: number
  private closed = false
  /** A probe is running (it schedules the next one itself). */
  private probing = false
  private readonly observe: () => Promise<bigint>
  /** The check that it holds the primary's database, once it passed or while it runs. */
  private checked: Promise<void> | undefined
  private readonly connection: PostgresConnection
  /** Counts its failures and lost connections: a read during which it changed may have met a restarted server. */
  private generation = 0

  constructor(private readonly settings: ReplicaSettings) {
    this.probeDelayMs = settings.probeMinMs
    this.connection = settings.connect(() => this.generation++)
    this.observe = coalesced(async () => {
      const [row] = await rowsOf<{ lsn: string | null }>(this.connection.db, settings.replayedSql)
      if (row?.lsn == null)
        throw new NotAStandbyError(`durable-sse/postgres: replica ${settings.name} is not a standby: not read`)
      return parseLsn(row.lsn)
    })
  }

  /** Its connection's Kysely (for the store's own checks of it). */
  get db(): Kysely<any> {
    return this.connection.db
  }

  /** Its name for status and errors. */
  get name(): string {
    return this.settings.name
  }

  /** Whether reads may go to it now. */
  get usable(): boolean {
    return this.state === 'up' || this.state === 'starting'
  }

  /** Its state, lag and counters. */
  status(): ReplicaReadStatus {
    const lagMs =
      this.state === 'down'
        ? undefined
        : this.state === 'lagging' && this.behindSince !== undefined
          ? Math.round(performance.now() - this.behindSince.at)
          : this.lagMs
    return { name: this.settings.name, state: this.state, lagMs, reads: this.reads, fallbacks: this.fallbacks }
  }

  /**
   * Runs `read` on the replica once it has replayed `fence`, and returns its answer; `undefined`
   * when it did not get there within `maxLagMs` (a replica that does not answer at all included:
   * the read does not wait for its deadline) or failed (the caller reads the primary). An answer
   * is dropped when one of its connections failed meanwhile: a restarted standby opens before it
   * has replayed again all it had, and the read may have met it there.
   */
  async read<T>(fence: Fence, read: (db: Kysely<any>) => Promise<T>): Promise<{ answer: T } | undefined> {
    const generation = this.generation
    try {
      const ready = this.sameDatabase().then(() => this.caughtUp(fence))
      const caughtUp = await orLate(ready, fence.at + this.settings.maxLagMs - performance.now())
      if (caughtUp === LATE) {
        ready.catch((error: unknown) => this.down(error)) // it answers later, or its deadline fails it
        if (this.state !== 'down') this.behind(fence)
      } else if (caughtUp) {
        const answer = await read(this.connection.db)
        if (this.generation === generation) {
          this.reads++
          return { answer }
        }
      }
    } catch (error) {
      this.down(error)
    }
    this.fallbacks++
    return undefined
  }

  /** Stops probing and closes its connection (a pool of the app's stays open). */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.probe)
    await this.connection.close()
  }

  /**
   * Whether it has replayed `fence`, looking again after short pauses for at most `maxLagMs`; if
   * not, it is bypassed as lagging. Throws what the replica threw.
   */
  private async caughtUp(fence: Fence, probing = false): Promise<boolean> {
    for (const pauseMs of [0, ...RETRY_PAUSES_MS]) {
      if (pauseMs > 0) {
        const leftMs = fence.at + this.settings.maxLagMs - performance.now()
        if (leftMs <= 0) break
        await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, leftMs)))
      }
      if (!this.covers(fence)) this.saw(await this.observe())
      if (this.covers(fence)) {
        this.lagMs = Math.round(performance.now() - fence.at)
        if (probing || this.state === 'starting') this.state = 'up'
        return true
      }
      if (!probing && !this.usable) return false // bypassed meanwhile (another read gave up, or it failed)
    }
    this.behind(fence)
    return false
  }

  /** It had not replayed `fence` in time: bypassed as lagging, behind since that fence (unless since an older one). */
  private behind(fence: Fence): void {
    this.behindSince ??= { lsn: fence.lsn, at: fence.at }
    this.bypass('lagging', LAGGING_PROBE_MS)
  }

  /** Resolves once it was found to hold the primary's database (checked once until it fails). */
  private sameDatabase(): Promise<void> {
    this.checked ??= this.settings.sameDatabase(this.connection.db).catch((error: unknown) => {
      this.checked = undefined
      throw error
    })
    return this.checked
  }

  /** Whether the replay position seen last, seen recently enough, is at or past `fence`. */
  private covers(fence: Fence): boolean {
    return this.replayed >= fence.lsn && performance.now() - this.replayedAt <= TRUSTED_FOR_MS
  }

  /** Records a replay position read from the replica (looks run one at a time: the latest answer is the newest). */
  private saw(position: bigint): void {
    this.replayed = position
    this.replayedAt = performance.now()
    if (this.behindSince !== undefined && this.replayed >= this.behindSince.lsn) this.behindSince = undefined
  }

  /** It failed: bypassed, reported once, probed after a pause that doubles while it keeps failing. */
  private down(error: unknown): void {
    if (this.closed) return
    this.generation++
    this.checked = undefined // a restarted or replaced server is checked again
    this.behindSince = undefined
    if (this.state !== 'down') {
      this.settings.report(error)
      this.probeDelayMs = this.settings.probeMinMs
    }
    this.bypass('down', this.probeDelayMs)
  }

  /** Stops reads going to it and probes it `afterMs` from now (unless a probe is already due). */
  private bypass(state: 'lagging' | 'down', afterMs: number): void {
    this.state = state
    if (this.closed || this.probing || this.probe !== undefined) return
    this.probe = setTimeout(() => void this.probeNow(), afterMs)
    this.probe.unref?.()
  }

  /** Checks that it answers and keeps up with a fresh fence; back in use if so, else probed again later. */
  private async probeNow(): Promise<void> {
    this.probe = undefined
    this.probing = true
    let fence: Fence | undefined
    let caughtUp = false
    let failure: { error: unknown } | undefined
    try {
      fence = await this.settings.fence()
      try {
        await this.sameDatabase()
        caughtUp = await this.caughtUp(fence, true)
      } catch (error) {
        failure = { error }
      }
    } catch {
      // The primary failed: try again later.
    } finally {
      this.probing = false
    }
    if (caughtUp) this.probeDelayMs = this.settings.probeMinMs
    else if (failure !== undefined) {
      this.probeDelayMs = Math.min(this.probeDelayMs * 2, this.settings.probeMaxMs)
      this.down(failure.error)
    } else if (fence === undefined) this.bypass(this.state as 'lagging' | 'down', this.probeDelayMs)
    else this.bypass('lagging', LAGGING_PROBE_MS)
  }
}
