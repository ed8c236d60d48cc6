/**
 * Errors the browser client reports through `onError`; it never throws them into the page.
 * @module
 */

/** Stable codes of the client's errors. */
export type ClientErrorCode = 'INVALID_EVENT_DATA' | 'CONNECTION_FAILED' | 'UNAUTHORIZED'

/** Base class of the errors the client reports; branch on `code`. */
export class ClientError extends Error {
  /** Stable machine-readable code. */
  readonly code: ClientErrorCode

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** A frame's `data` is not the JSON event the server sends; the frame was skipped. */
export class InvalidEventDataError extends ClientError {
  /** The frame's `event:` type. */
  readonly eventType: string
  /** The frame's raw `data`. */
  readonly data: unknown

  constructor(eventType: string, data: unknown, reason: string, options?: { cause?: unknown }) {
    super('INVALID_EVENT_DATA', `skipped a "${eventType}" frame: ${reason}`, options)
    this.eventType = eventType
    this.data = data
  }
}

/**
 * An attempt to open the stream failed: a non-200 answer, an answer that is not
 * `text/event-stream`, or `headers()` throwing. The client reconnects with backoff (`retrying`)
 * unless the failure is an {@link UnauthorizedError} or the transport could not be loaded.
 */
export class ConnectionFailedError extends ClientError {
  /** The HTTP status, when known (the browser's own `EventSource` does not tell; the client then asks with `fetch`). */
  readonly status: number | undefined
  /** What went wrong, in a few words. */
  readonly detail: string | undefined
  /** Whether the client reconnects by itself after this failure. */
  readonly retrying: boolean

  constructor(
    status: number | undefined,
    detail: string | undefined,
    options: { retrying?: boolean; cause?: unknown; code?: ClientErrorCode } = {},
  ) {
    const retrying = options.retrying ?? true
    super(
      options.code ?? 'CONNECTION_FAILED',
      `the event stream failed${status === undefined ? '' : ` with status ${status}`}${detail ? `: ${detail}` : ''}; ${retrying ? 'reconnecting' : 'closed'}`,
      { cause: options.cause },
    )
    this.status = status
    this.detail = detail
    this.retrying = retrying
  }
}

/** The server refused the stream with 401 or 403; the connection is `closed` (refresh the credentials, then connect again). */
export class UnauthorizedError extends ConnectionFailedError {
  /** 401 (not authenticated) or 403 (not allowed). */
  declare readonly status: 401 | 403

  constructor(status: 401 | 403) {
    super(status, status === 401 ? 'unauthorized' : 'forbidden', { retrying: false, code: 'UNAUTHORIZED' })
  }
}
