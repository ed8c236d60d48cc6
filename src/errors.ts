/**
 * Error classes thrown by durable-sse. Each has a stable string `code`, so callers can branch
 * without parsing messages, and one class identity across every entry point of the package.
 * @module
 */

/** Stable codes carried by every error this package throws. */
export type ErrorCode =
  | 'INVALID_EVENT'
  | 'PAYLOAD_TOO_LARGE'
  | 'INVALID_TOPIC'
  | 'INVALID_EVENT_ID'
  | 'CANNOT_RESUME'
  | 'BROKER_CLOSED'
  | 'PUBLISH_FAILED'
  | 'CORRUPT_EVENT'
  | 'DATABASE_REPLACED'
  | 'LISTENER_NOT_RECEIVING'
  | 'SLOW_CONSUMER'
  | 'STORE_TIMEOUT'
  | 'STORE_UNAVAILABLE'
  | 'STORE_NOT_MIGRATED'
  | 'STORE_CLOSED'
  | 'RELAY_UNAVAILABLE'

/** Base class of every error thrown by durable-sse; branch on `code`. */
export class DurableSseError extends Error {
  /** Stable machine-readable code, e.g. `'INVALID_EVENT'`. */
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** An event given to `publish()` is malformed (bad topic, bad or reserved type, payload not JSON). */
export class InvalidEventError extends DurableSseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_EVENT', message, options)
  }
}

/** An event's JSON payload is larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends DurableSseError {
  /** Size of the serialised payload, in bytes. */
  readonly bytes: number
  /** The limit it exceeded, in bytes. */
  readonly limit: number

  constructor(bytes: number, limit: number) {
    super('PAYLOAD_TOO_LARGE', `payload is ${bytes} bytes, over the limit of ${limit} bytes`)
    this.bytes = bytes
    this.limit = limit
  }
}

/** A topic given to `subscribe()` or a handler is empty, too long or holds CR, LF or NUL. */
export class InvalidTopicError extends DurableSseError {
  constructor(message: string) {
    super('INVALID_TOPIC', message)
  }
}

/** A `Last-Event-ID` (or `after`) is not an id this store could ever have issued. */
export class InvalidEventIdError extends DurableSseError {
  constructor(message: string) {
    super('INVALID_EVENT_ID', message)
  }
}

/** Why a topic cannot resume after an id: pruned by retention, ahead of the head, or foreign (from another database, or a one-topic id on a stream over several topics). */
export type ResetReason = 'pruned' | 'ahead' | 'foreign'

/** One topic that cannot resume from the requested position, and why. */
export interface TopicReset {
  /** The topic. */
  topic: string
  /** Why it cannot resume. */
  reason: ResetReason
}

/**
 * `subscribe({ after })` was given a position the store cannot resume from in some topic; refetch
 * the state of those topics (`resets`), then subscribe without `after` (or with a fresh one).
 */
export class CannotResumeError extends DurableSseError {
  /** Why the first topic cannot resume. */
  readonly reason: ResetReason
  /** The first topic that cannot resume. */
  readonly topic: string
  /** Every topic that cannot resume, with its reason. */
  readonly resets: readonly TopicReset[]

  constructor(reason: ResetReason, id: string, topic: string, resets: readonly TopicReset[] = [{ topic, reason }]) {
    const which = resets.length > 1 ? `${resets.length} topics` : `topic ${JSON.stringify(topic)}`
    super('CANNOT_RESUME', `cannot resume ${which} after ${JSON.stringify(id.slice(0, 80))}: ${reason}`)
    this.reason = reason
    this.topic = topic
    this.resets = resets
  }
}

/** The broker is closed (or closing) and takes no new publishes or subscribers. */
export class BrokerClosedError extends DurableSseError {
  constructor() {
    super('BROKER_CLOSED', 'the broker is closed')
  }
}

/**
 * The store failed to append a publish; the driver's error (or a {@link StoreTimeoutError}) is the
 * `cause`. `mayHaveCommitted` says whether the events may be in the log all the same: a statement
 * whose answer was lost may have committed, so retry only what is harmless to see twice (or
 * refetch state); `false` when nothing reached the database, or with `{ transaction }` (the events
 * commit only with your transaction, which this failure aborts). `retryable` says the database
 * rolled the work back for a reason the same publish may not meet again (MySQL's deadlock victim).
 */
export class PublishFailedError extends DurableSseError {
  /** Whether the events may have been committed despite the failure. */
  readonly mayHaveCommitted: boolean
  /** Whether nothing was committed and trying the same publish again (with your transaction, all of it) may succeed. */
  readonly retryable: boolean

  constructor(cause: unknown, mayHaveCommitted = !(cause instanceof StoreUnavailableError), retryable = false) {
    const detail = cause instanceof Error ? cause.message : String(cause)
    const outcome = mayHaveCommitted ? 'it may have committed' : 'nothing was committed'
    super('PUBLISH_FAILED', `publish failed (${outcome}${retryable ? '; retry it' : ''}): ${detail}`, { cause })
    this.mayHaveCommitted = mayHaveCommitted
    this.retryable = retryable
  }
}

/**
 * A database call got no answer within its deadline (`queryTimeoutMs` of a store, `storeTimeoutMs`
 * of the broker). The store destroyed the connection it was waiting on, so the next call runs on a
 * fresh one. A statement that was sent may still have run. SQLite's store throws it (operation
 * `'lock'`) when `busyTimeoutMs` ran out while its connection was held by a transaction of yours.
 */
export class StoreTimeoutError extends DurableSseError {
  /** What timed out: `'query'` (a statement on a connection), or the store method the broker bounded (`'append'`, `'readAfter'`, ...). */
  readonly operation: string
  /** The deadline it missed, in ms. */
  readonly timeoutMs: number

  /** `detail` says whose deadline it was and what became of the connection. */
  constructor(operation: string, timeoutMs: number, detail = 'deadline; the connection was dropped') {
    super('STORE_TIMEOUT', `${operation} got no answer within ${timeoutMs} ms (${detail})`)
    this.operation = operation
    this.timeoutMs = timeoutMs
  }
}

/**
 * The store could not get a connection to its database (refused, unreachable, or none within
 * `connectTimeoutMs`): nothing was sent. The `cause` is the driver's error when there is one.
 */
export class StoreUnavailableError extends DurableSseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', message, options)
  }
}

/**
 * The store's tables (or the epoch they hold) are not in its database: run `await store.migrate()`
 * first. The `cause` is the database's error when there is one ("no such table").
 */
export class StoreNotMigratedError extends DurableSseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_NOT_MIGRATED', message, options)
  }
}

/** The store was closed (`store.close()`); every later call rejects with this. */
export class StoreClosedError extends DurableSseError {
  constructor(store: string) {
    super('STORE_CLOSED', `${store}: the store is closed`)
  }
}

/**
 * An event read from the store cannot be delivered safely (written by another program: a type or
 * topic with CR, LF or NUL, data that is not JSON, an id that is not printable ASCII). It is
 * skipped, reported once through the broker's `onError`, and the stream moves past it.
 */
export class CorruptEventError extends DurableSseError {
  /** The topic the event was read from. */
  readonly topic: string
  /** The event's id, as the store returned it. */
  readonly id: string
  /** What is wrong with it. */
  readonly reason: string

  constructor(topic: string, id: string, reason: string) {
    super('CORRUPT_EVENT', `skipped event ${JSON.stringify(id)} of topic ${JSON.stringify(topic)}: ${reason}`)
    this.topic = topic
    this.id = id
    this.reason = reason
  }
}

/**
 * The store's database file was deleted, or replaced by another file, at its path while the store
 * had it open (SQLite). The store rejects every later call with this error instead of writing where
 * nobody reads; restart the process once the right file is in place.
 */
export class DatabaseReplacedError extends DurableSseError {
  /** The path the store opened. */
  readonly path: string
  /** Whether the path now names no file (`'deleted'`) or another file (`'replaced'`). */
  readonly change: 'deleted' | 'replaced'

  constructor(path: string, change: 'deleted' | 'replaced') {
    super(
      'DATABASE_REPLACED',
      `the database file ${path} was ${change} while the store had it open; every call of this store fails from now on ` +
        '(writes would reach no reader): restart the process once the right file is in place',
    )
    this.path = path
    this.change = change
  }
}

/**
 * A store's LISTEN connection is up but does not receive notifications, not even its own probe
 * (typically a transaction-mode pooler such as PgBouncer between it and the server). Reported
 * once through the store's `onError`; the broker polls every `fallbackPollMs` meanwhile.
 */
export class ListenerNotReceivingError extends DurableSseError {
  /** The NOTIFY channel that was listened on. */
  readonly channel: string

  constructor(channel: string) {
    super(
      'LISTENER_NOT_RECEIVING',
      `LISTEN does not receive notifications: a transaction-mode pooler? give \`listen:\` a direct connection (channel ${JSON.stringify(channel)})`,
    )
    this.channel = channel
  }
}

/** Why a store's logical relay cannot run: `wal_level` is not `logical`, or the role may not replicate. */
export type RelayUnavailableReason = 'wal-level' | 'privilege'

/**
 * `postgresStore({ relay })` cannot run its logical relay on this server: `wal_level` is not
 * `logical` (set it and restart Postgres), or the store's role lacks the `REPLICATION` attribute.
 * Reported once through the store's `onError`; delivery falls back to NOTIFY (when on) and the
 * broker's backstop poll.
 */
export class RelayUnavailableError extends DurableSseError {
  /** What is missing. */
  readonly reason: RelayUnavailableReason

  constructor(reason: RelayUnavailableReason, detail: string) {
    const fix =
      reason === 'wal-level'
        ? 'set wal_level = logical in postgresql.conf and restart the server'
        : 'ALTER ROLE ... WITH REPLICATION, or run the relay as a role that has it'
    super('RELAY_UNAVAILABLE', `the logical relay cannot run (${detail}): ${fix}; falling back to NOTIFY or polling`)
    this.reason = reason
  }
}

/**
 * A `broker.subscribe()` iterator fell further behind than `queueLimit` with `onSlow: 'disconnect'`
 * and was ended; subscribe again with `after: subscription.lastEventId` to go on exactly where it was.
 */
export class SlowConsumerError extends DurableSseError {
  /** The topic, for a one-topic subscription. */
  readonly topic: string | undefined

  constructor(topic: string | undefined) {
    super('SLOW_CONSUMER', 'the subscription fell behind (onSlow: disconnect); resume with after: subscription.lastEventId')
    this.topic = topic
  }
}

/**
 * What `publish()` rejects with when the store's append failed with `cause`: the store's own typed
 * error as it is (e.g. `DatabaseReplacedError`), a usage `TypeError` of `{ transaction }` (not one
 * the store can join) as it is, anything else (a driver error, a missed deadline, no connection) as
 * the `cause` of a {@link PublishFailedError}.
 */
export function publishFailure(cause: unknown, inTransaction: boolean): unknown {
  const connectionFailure = cause instanceof StoreTimeoutError || cause instanceof StoreUnavailableError
  if ((cause instanceof DurableSseError && !connectionFailure) || (inTransaction && cause instanceof TypeError)) return cause
  return inTransaction ? new PublishFailedError(cause, false) : new PublishFailedError(cause)
}
