/**
 * Types of the `EventStore` conformance kit: the stable case ids, the capabilities a store
 * declares, and the fixture a store's author hands to the runner.
 * @module
 */
import type { EventDraft } from '../event.js'
import type { EventStore } from '../store.js'

/**
 * What a store may offer beyond the required contract; a case that needs one runs only when the
 * store declares it.
 * - `transactions`: `append(drafts, { transaction })` joins a caller's transaction; the fixture
 *   supplies {@link EventStoreFixture.withTransaction}.
 * - `atomic`: a call with one draft the database refuses rejects as a whole and writes nothing
 *   (the fixture may supply {@link EventStoreFixture.unwritableDraft}).
 * - `wake`: `onWake` signals commits.
 * - `foreign-ids`: ids carry a per-database epoch, so another database's ids are recognised as
 *   foreign; the fixture supplies {@link EventStoreFixture.makeForeignStore}.
 * - `shared`: several store instances can open one database, as several processes do; the fixture
 *   supplies {@link EventStoreFixture.makePeerStore}.
 * - `changes`: `changedTopics` lists the topics committed after a token (stores with one global
 *   commit order).
 * - `snapshot`: `snapshot` runs a read in one database snapshot with the topics' heads.
 */
export type StoreCapability = 'transactions' | 'atomic' | 'wake' | 'foreign-ids' | 'shared' | 'changes' | 'snapshot'

/**
 * The stable id of every conformance case. Ids are never renamed or reused; a case that changes
 * meaning gets a new id.
 */
export type EventStoreCaseId =
  | 'append-returns-records-in-order'
  | 'append-empty-writes-nothing'
  | 'data-round-trips-exactly'
  | 'topics-compare-exactly'
  | 'read-after-is-strictly-after'
  | 'read-limit'
  | 'read-many-topics-one-call'
  | 'topics-are-independent'
  | 'heads-of-empty-topic-is-start-id'
  | 'head-after-append'
  | 'ids-are-ascii-and-valid'
  | 'positions-number-each-topic'
  | 'invalid-id-rejected'
  | 'resume-ok-after-own-ids'
  | 'resume-ahead'
  | 'resume-foreign-epoch'
  | 'resume-pruned-after-delete'
  | 'delete-before-counts-and-keeps-newer'
  | 'delete-keeps-head'
  | 'concurrent-appends-ordered'
  | 'no-skipped-commit'
  | 'no-skipped-commit-in-transactions'
  | 'peer-reads-same-log'
  | 'no-skipped-commit-across-stores'
  | 'append-all-or-nothing'
  | 'transaction-commit-visible'
  | 'transaction-rollback-writes-nothing'
  | 'transaction-uncommitted-invisible'
  | 'wake-after-append'
  | 'wake-unsubscribe-stops'
  | 'wake-after-peer-append'
  | 'close-idempotent'
  | 'changes-list-topics-after-token'
  | 'changes-after-peer-append'
  | 'changes-token-never-passes-uncommitted'
  | 'changes-under-concurrent-appends'
  | 'snapshot-returns-state-and-heads'
  | 'snapshot-read-error-rejects'

/** A store made for one case (or a second database, for `foreign-ids`), and how to release it. */
export interface StoreHandle {
  /** A fresh, empty, ready store (migrated, if the store needs that). */
  store: EventStore
  /** Releases the store and whatever was made for it (files, schemas). Default: `store.close()`. */
  dispose?(): Promise<void>
}

/**
 * What the factory given to the runner returns: a fresh, empty store, plus the hooks its declared
 * capabilities need. Every case gets its own fixture, disposed after the case.
 */
export interface EventStoreFixture extends StoreHandle {
  /**
   * Runs `body` inside a transaction of the database the store writes to, passing the value that
   * `append(drafts, { transaction })` accepts; commits when `body` resolves, rolls back (and
   * rejects with `body`'s error) when it throws. Needed by `transactions`.
   */
  withTransaction?<T>(body: (transaction: unknown) => Promise<T>): Promise<T>
  /** Makes a store on another, empty database (so another epoch). Needed by `foreign-ids`; disposed after the case. */
  makeForeignStore?(): Promise<StoreHandle>
  /**
   * Makes another store instance on the same database as `store` (as a second process would open
   * it: its own connections, ready to use). Needed by `shared`; disposed after the case.
   */
  makePeerStore?(): Promise<StoreHandle>
  /** A draft of `topic` that the database refuses to write. Used by `atomic`; default: one whose `data` is `null`. */
  unwritableDraft?(topic: string): EventDraft
}

/** Makes one fresh fixture per case. */
export type MakeEventStore = () => EventStoreFixture | Promise<EventStoreFixture>

/** Options of {@link runEventStoreCase}. */
export interface RunOptions {
  /** Longest wait for something a case expects to happen (a wake-up, a store clock tick), in ms. Default 10,000. */
  waitMs?: number
}

/** What a case receives. */
export interface CaseContext {
  /** The store under test. */
  store: EventStore
  /** The fixture it came from (for `withTransaction`, `makeForeignStore`, `unwritableDraft`). */
  fixture: EventStoreFixture
  /** A topic name unique to this run of the case, ending in `label`. */
  topic(label: string): string
  /** Longest wait for an expected signal, in ms. */
  waitMs: number
  /** Registers a cleanup that runs (last first) after the case, before the fixture is disposed. */
  defer(cleanup: () => unknown): void
}

/** One case of the contract: a stable id, what it proves, what it needs, and its body. */
export interface EventStoreCase {
  /** Stable id, e.g. `read-after-is-strictly-after`: use it in `skip` lists and bug reports. */
  readonly id: EventStoreCaseId
  /** What the case proves, in one sentence. */
  readonly title: string
  /** Capabilities the store must declare for the case to run. */
  readonly requires: readonly StoreCapability[]
  /** Runs the case; throws (an `AssertionError` from `node:assert/strict`) when the store breaks the contract. */
  run(context: CaseContext): Promise<void>
}

/** Which cases to run: the store's capabilities, and cases to skip (with the reason in your own code). */
export interface SelectOptions {
  /** Capabilities the store offers; cases needing others are skipped. Default none. */
  capabilities?: readonly StoreCapability[]
  /** Case ids not to run. */
  skip?: readonly EventStoreCaseId[]
}

/** A case that will not run, and why. */
export interface SkippedCase {
  /** The case. */
  case: EventStoreCase
  /** `'skipped'` (in `skip`) or the capabilities it needs and the store lacks, e.g. `'needs wake'`. */
  reason: string
}

/** The answer of {@link selectEventStoreCases}: the cases to run and the skipped ones. */
export interface CaseSelection {
  /** Cases to run, in suite order. */
  run: EventStoreCase[]
  /** Cases not to run, with the reason. */
  skipped: SkippedCase[]
}
