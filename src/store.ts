/**
 * The `EventStore` contract: what a storage adapter implements so the broker can append, tail
 * and resume topics. Positions are per topic; ids are ASCII strings only the adapter interprets.
 * @module
 */

import type { ResetReason } from './errors.js'
import type { EventDraft, EventRecord } from './event.js'

/** Where a reader stands in one topic: after the event with id `after` (or a topic's start id). */
export interface TopicCursor {
  /** The topic to read. */
  topic: string
  /** Read events strictly after this id. */
  after: string
}

/** Options of {@link EventStore.append}. */
export interface AppendOptions {
  /**
   * The caller's open transaction (for Kysely adapters a `Transaction`). The events are written
   * inside it and become visible only if and when it commits. Stores without transactions reject it.
   */
  transaction?: unknown
  /**
   * `performance.now()` when the oldest call in this append arrived: a store that waits for a lock
   * gives up at waitingSince + its timeout, so no call waits longer than that timeout.
   */
  waitingSince?: number
}

/** The answer of {@link EventStore.checkResume}: resume after the id, or reset and why. */
export type ResumeCheck =
  | {
      /** Resuming after the id yields exactly the events committed after it. */
      ok: true
    }
  | {
      /** The id cannot be resumed from. */
      ok: false
      /** Why not. */
      reason: ResetReason
    }

/** The answer of {@link EventStore.changedTopics}. */
export interface TopicChanges {
  /** Every topic with events committed after the token asked with; `undefined` when too many to list (read every topic). */
  topics: readonly string[] | undefined
  /** The token to ask with next time. */
  token: string
}

/** The answer of {@link EventStore.snapshot}: what `read` returned, and the topics' heads in the same snapshot. */
export interface StoreSnapshot<State> {
  /** What `read` returned. */
  state: State
  /** Each topic's head as of the snapshot: every event up to it is reflected in `state`, none after. */
  heads: Map<string, string>
}

/** What a store's wake-up path is doing, for `broker.health()`: see {@link EventStore.wakeStatus}. */
export interface WakeStatus {
  /**
   * `'up'` (wake-ups arrive), `'starting'` (first connection), `'degraded'` (connected, but
   * wake-ups do not arrive), `'down'` (reconnecting), or `'off'` (not listening: nobody follows a
   * topic in this process, or wake-ups are turned off).
   */
  state: 'up' | 'starting' | 'degraded' | 'down' | 'off'
  /** Whether the store wakes the broker on a faster timer meanwhile, so events still arrive soon. */
  fallback: boolean
}

/**
 * A process's part in a store's change feed (the Postgres logical relay): `'leader'` (it reads
 * the feed and hands on every commit), `'standby'` (another process does; it takes over when that
 * one dies), `'starting'`, `'unavailable'` (the database cannot run it), or `'off'`.
 */
export type RelayRole = 'off' | 'starting' | 'standby' | 'leader' | 'unavailable'

/** One read replica as {@link EventStore.readStatus} reports it. */
export interface ReplicaReadStatus {
  /** Where it is: `host:port/database` (never credentials). */
  name: string
  /**
   * `'up'` (reads go to it), `'starting'` (not read yet; the next read tries it), `'lagging'`
   * (bypassed: it had not replayed what a read needed in time; probed until it has), or `'down'`
   * (bypassed: it failed, timed out, or is not a standby; probed until it answers).
   */
  state: 'starting' | 'up' | 'lagging' | 'down'
  /**
   * How far behind its primary it was last measured, in ms: from the primary's position a read
   * needed to the replica having replayed it (while `'lagging'`: since the oldest such position it
   * has not replayed yet); `undefined` before the first measure and while `'down'`.
   */
  lagMs: number | undefined
  /** Reads it answered. */
  reads: number
  /** Reads that tried it and went to the primary instead (it was behind for too long, or failed). */
  fallbacks: number
}

/** Where a store's reads of events go: see {@link EventStore.readStatus}. */
export interface ReadStatus {
  /** `'replicas'` while at least one replica is up (or not tried yet), else `'primary'` (the store's own database). */
  target: 'primary' | 'replicas'
  /** Each read replica, in the order configured (none for a store without replicas). */
  replicas: ReplicaReadStatus[]
}

/** Stops a wake-up subscription started with {@link EventStore.onWake}. */
export type Unsubscribe = () => void

/**
 * A durable, append-only log of events, ordered per topic. Implement it to plug in a database;
 * prove it with `durable-sse/testing`.
 */
export interface EventStore {
  /**
   * Appends events, all or nothing, and returns them with ids, in the given order. Within a topic,
   * ids must order events in commit order, with no event ever committing behind one already readable.
   */
  append(drafts: readonly EventDraft[], options?: AppendOptions): Promise<EventRecord[]>
  /**
   * Optional, for stores on a synchronous driver (better-sqlite3): appends inside the caller's
   * open transaction and returns at once, so it works inside a synchronous transaction function
   * (`db.transaction(() => ...)`). Otherwise like `append` with `{ transaction }`.
   */
  appendSync?(drafts: readonly EventDraft[], options: { transaction: unknown }): EventRecord[]
  /**
   * Reads committed events strictly after each cursor, oldest first, at most `limit` per topic, in
   * one round trip. Topics with nothing new may be absent from the map. May reject with
   * `CannotResumeError` (its `resets` naming each such topic) when a cursor can no longer be read
   * after, e.g. its epoch ended in a failover that may have lost events: the broker ends the
   * streams standing there with a reset.
   */
  readAfter(cursors: readonly TopicCursor[], limit: number): Promise<Map<string, EventRecord[]>>
  /** The id of each topic's last committed event, or the topic's start id (before any event) when it has none. */
  heads(topics: readonly string[]): Promise<Map<string, string>>
  /** Whether reading `topic` after `id` yields exactly the events committed after it (else why not). */
  checkResume(topic: string, id: string): Promise<ResumeCheck>
  /** Whether `id` has the syntax of an id this store issues (a malformed one is a 400, not a reset). */
  isValidId(id: string): boolean
  /** Deletes events appended before `date` and remembers per topic how far it pruned; returns how many. */
  deleteBefore(date: Date): Promise<number>
  /** Calls `listener` when events may have been committed elsewhere: with their topic when known, without one when any topic may have changed. Optional. */
  onWake?(listener: (topic?: string) => void): Unsubscribe
  /** Optional, for stores whose `onWake` depends on a connection (Postgres LISTEN): what it is doing now. Called by every `broker.health()`: keep it cheap. */
  wakeStatus?(): WakeStatus
  /**
   * Optional, for stores that learn of commits with their events (the Postgres logical relay):
   * calls `listener` with each committed transaction's events, in commit order. The broker hands
   * them to its bus (every process of the app then delivers them without a read) and to its own
   * poller; a store's call before a listener exists is simply not made.
   */
  onCommitted?(listener: (records: readonly EventRecord[]) => void): Unsubscribe
  /** Optional, with `onCommitted`: this process's part in it (`'leader'`: its store hands on every commit of the database). Keep it cheap. */
  relayRole?(): RelayRole
  /** Optional, for stores that can read from replicas (Postgres `replica`): where its reads go and each replica's state and lag. Called by every `broker.stats()` and `broker.health()`: keep it cheap. */
  readStatus?(): ReadStatus
  /**
   * Optional, for stores whose commits have one global order (SQLite's rowid): the topics with
   * events committed after `token` (one this method returned; `undefined` asks only for a first
   * token), in O(new events). Then a wake-up without a topic costs a read of what changed, not of
   * every topic.
   */
  changedTopics?(token: string | undefined): Promise<TopicChanges>
  /**
   * Optional: runs `read` with a read-only transaction on the store's database (for Kysely
   * stores a Kysely `Transaction`) and reads the topics' heads in the same snapshot, so the state
   * `read` sees reflects exactly the events up to those heads.
   */
  snapshot?<State>(topics: readonly string[], read: (transaction: any) => Promise<State>): Promise<StoreSnapshot<State>>
  /**
   * Optional, for stores whose ids number each topic's events 1, 2, 3, ... without gaps within an
   * epoch (the bundled stores' `epoch.seq` ids: `parseEventId`): an id's epoch and position in its
   * topic, or `undefined` when it is not such an id. A wake-up bus then delivers an event the
   * moment it is the next of its topic, without a read; without it, bus messages only wake.
   */
  positionOf?(id: string):
    | {
        /** The store epoch the id was minted in. */
        epoch: string
        /** The event's place in its topic's sequence (1 for a topic's first event). */
        seq: number
      }
    | undefined
  /** Releases what the store opened itself (never a connection the caller passed in). */
  close(): Promise<void>
}
