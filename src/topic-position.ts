/**
 * A connection's position in one of its topics, and the one state it is in. The connection does
 * the work (writes, queues, reads pages from the store); every change of state is a method here.
 *
 * ```
 *                         begin at the tail
 *   (new) ──────────────────────────────────────────────┐
 *     │ begin short of the tail                         v
 *     v             queue would overflow           ┌─────────┐
 *   behind <────────────────────────────────────── │  live   │ <── batch: written or queued
 *     │  ^ ─── batch that continues it ──────────> └─────────┘
 *     │  │     (nothing queued)                     ^       ^
 *     │  │                        page at the tail  │       │ batch that continues it
 *     │  │ page short                               │       │ (nothing queued)
 *     │  │ of the tail     ┌─────────┐ ─────────────┘   ┌─────────┐
 *     │  └──────────────── │ reading │ ── nothing new ─>│ waiting │ ── other batch ─> behind
 *     └── read starts ───> └─────────┘                  └─────────┘
 *                              │ batch arrives
 *                              v
 *                          overtaken ── page: live at the tail, else behind
 * ```
 *
 * - `live`: takes the poller's batches as they come (written, or queued while the sink is full).
 * - `behind`: missed events (its queue would have overflowed, or it started before the tail); the
 *   connection's next page read, once its queue is empty and its sink can take more, covers it.
 *   A batch that continues its position while nothing is queued takes it live at once.
 * - `reading`: a page read for it is in flight.
 * - `overtaken`: reading, and the poller fanned out a batch meanwhile, which the read may have
 *   missed (it started first): after this page, read again unless at the tail.
 * - `waiting`: a read found nothing after its position, yet it is not at the tail: it is ahead of
 *   the poller, which has not read that far. The poller's next batch of the topic holds its
 *   position; that batch takes it live (or, if it cannot, back to behind).
 *
 * Exactly once and in order: the position only moves forward (`advance`), by a batch that
 * continues it; a batch that does not is never taken, and what it held is read from the store.
 * @module
 */
import type { Batch } from './batch.js'
import type { Follower } from './poller.js'

/** The state of a topic position; see the module's table. */
export type PositionState = 'live' | 'behind' | 'reading' | 'overtaken' | 'waiting'

/** What a position reports to: its connection. */
export interface PositionOwner {
  /** A batch the poller fanned out to `position`: consecutive events of its topic right after `previous`. */
  offer(position: TopicPosition, batch: Batch, previous: string): void
  /** Handing it a batch threw, or the topic cannot be read after the poller's tail any more (a `CannotResumeError`): it ends. */
  fail(error: unknown): void
}

/** A connection's position in one topic: what the poller fans out to. */
export class TopicPosition implements Follower {
  /** The topic. */
  readonly topic: string
  /** The id of the last event accepted (written or queued), or the start position. */
  lastId: string
  /** Where it stands; changed only by the methods below. */
  state: PositionState = 'behind'
  private readonly owner: PositionOwner

  constructor(owner: PositionOwner, topic: string, start: string) {
    this.owner = owner
    this.topic = topic
    this.lastId = start
  }

  /** A batch from the poller, for its connection to take or leave. */
  receive(batch: Batch, previous: string): void {
    this.owner.offer(this, batch, previous)
  }

  /** Taking a batch threw, or the topic cannot be read after the tail any more: its connection ends. */
  fail(error: unknown): void {
    this.owner.fail(error)
  }

  /** Starts: live when at the poller's `tail` of the topic, else behind. */
  begin(tail: string | undefined): void {
    this.state = this.lastId === tail ? 'live' : 'behind'
  }

  /** Moves past `batch`, which continues it (written, or queued to be). */
  advance(batch: Batch): void {
    this.lastId = batch.lastId
  }

  /** Live, and the batch would overflow the queue: behind. */
  overflow(): void {
    this.state = 'behind'
  }

  /**
   * A batch the poller fanned out (right after `previous`) while not live. Returns the part of it
   * after the position when that part takes it live: it continues the position and at most `room`
   * events fit (`undefined` room: batches wait in the queue, and the next page read covers it).
   */
  batchArrived(batch: Batch, previous: string, room: number | undefined): Batch | undefined {
    if (this.state === 'reading' || this.state === 'overtaken') {
      this.state = 'overtaken'
      return undefined
    }
    const from = this.lastId === previous ? 0 : batch.records.findIndex((record) => record.id === this.lastId) + 1
    const continues = from > 0 || this.lastId === previous
    if (room !== undefined && continues && batch.size - from <= room) {
      this.state = 'live'
      return batch.from(from)
    }
    this.state = 'behind'
    return undefined
  }

  /** A page read for it starts. */
  startRead(): void {
    this.state = 'reading'
  }

  /**
   * Its page read ended, the page (if `found`) already taken: live at the poller's `tail`; else
   * waiting for the poller when nothing was found and no batch overtook the read; else behind.
   */
  endRead(found: boolean, tail: string | undefined): void {
    if (this.lastId === tail) this.state = 'live'
    else if (!found && this.state === 'reading') this.state = 'waiting'
    else this.state = 'behind'
  }
}
