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
  | 'LISTENER_NOT_RECEIVING'

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

/** Why a store cannot resume after an id: pruned by retention, ahead of the head, or from another database. */
export type ResetReason = 'pruned' | 'ahead' | 'foreign'

/** `subscribe({ after })` was given an id the store cannot resume from; refetch state, then subscribe without `after`. */
export class CannotResumeError extends DurableSseError {
  /** Why the id cannot be resumed from. */
  readonly reason: ResetReason

  constructor(reason: ResetReason, id: string) {
    super('CANNOT_RESUME', `cannot resume after event id ${JSON.stringify(id)}: ${reason}`)
    this.reason = reason
  }
}

/** The broker is closed (or closing) and takes no new publishes or subscribers. */
export class BrokerClosedError extends DurableSseError {
  constructor() {
    super('BROKER_CLOSED', 'the broker is closed')
  }
}

/** The store failed to append a publish; the driver's error is the `cause`. Nothing was written. */
export class PublishFailedError extends DurableSseError {
  constructor(cause: unknown) {
    super('PUBLISH_FAILED', `publish failed: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    })
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
