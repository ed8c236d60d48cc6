/**
 * The Postgres store's epoch, tied to what a failover can lose. With asynchronous replication a
 * promoted standby may lack the last commits of the old primary, and it hands their positions out
 * again to new events; a promotion also starts a new timeline. So ids carry the database's random
 * epoch while the server is on the timeline recorded when ids began (migration 0003), and that
 * epoch plus the timeline on any other: after a failover every earlier id is foreign, and a
 * browser holding one gets one `reset` per topic instead of resuming after a position that now
 * names another event. Every statement the store runs on the primary returns the timeline it ran
 * on, and its rows are labelled with that timeline's epoch, never with one learnt before.
 * @module
 */
import { CannotResumeError, StoreNotMigratedError, type TopicReset } from '../../src/errors.js'
import { parseEventId } from '../../src/event-id.js'
import type { TopicCursor } from '../../src/store.js'

/**
 * The timeline the server writes WAL on: the first 8 hex digits of its current WAL file's name,
 * right after a promotion too (`pg_control_checkpoint().timeline_id` still reports the old one
 * until the next checkpoint, seconds to tens of seconds later). Fails on a standby ("recovery is
 * in progress"): primaries only.
 */
export const CURRENT_TIMELINE = `('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int`

/** What the meta table holds: the database's random epoch and the timeline its ids began on. */
export interface RecordedEpoch {
  /** The database's random epoch. */
  epoch: string
  /** The timeline the server was on when ids began (or when migration 0003 ran on an existing database). */
  timeline: number
}

/** The meta row as `selectEpoch` reads it (`timeline` null before migration 0003). */
export interface MetaRow {
  /** The database's random epoch. */
  epoch: string
  /** The recorded timeline. */
  timeline: number | string | null
  /** The server's current timeline. */
  current_timeline: number | string
}

/** The recorded epoch of a meta row; a `StoreNotMigratedError` naming `table` when it has no timeline yet. */
export function recordedEpoch(row: MetaRow | undefined, table: string): RecordedEpoch {
  if (row === undefined || row.timeline === null) {
    throw new StoreNotMigratedError(`durable-sse/postgres: ${table} has no ${row ? 'timeline' : 'epoch'}; run store.migrate()`)
  }
  return { epoch: row.epoch, timeline: Number(row.timeline) }
}

/**
 * The epoch of ids issued while the server is on `timeline`: the database's epoch on the recorded
 * timeline (so ids issued before the upgrade, and after any restart without a promotion, stay
 * valid), else the epoch with `t` and the timeline in base 36 (at most 16 characters in all).
 */
export function epochOnTimeline(recorded: RecordedEpoch, timeline: number | string): string {
  const current = Number(timeline)
  return current === recorded.timeline ? recorded.epoch : `${recorded.epoch}t${current.toString(36)}`
}

/**
 * A `CannotResumeError` (reason `'foreign'`, every such topic in `resets`) when a cursor's id is
 * not of `epoch`: reading after it would label another event's position as the one it names.
 */
export function rejectOtherEpochs(cursors: readonly TopicCursor[], epoch: string): void {
  const resets: TopicReset[] = []
  for (const { topic, after } of cursors) {
    if (parseEventId(after)?.epoch !== epoch) resets.push({ topic, reason: 'foreign' })
  }
  const [first] = resets
  if (first === undefined) return
  const { after } = cursors.find(({ topic }) => topic === first.topic) as TopicCursor
  throw new CannotResumeError('foreign', after, first.topic, resets)
}
