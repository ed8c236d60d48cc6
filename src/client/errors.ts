/**
 * Errors the browser client reports through `onError`; it never throws them into the page.
 * @module
 */

/** Stable codes of the client's errors. */
export type ClientErrorCode = 'INVALID_EVENT_DATA' | 'CONNECTION_FAILED'

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
 * The EventSource gave up (a non-200 answer such as 401/403/400, or not `text/event-stream`); it
 * does not retry, so the connection is `closed`.
 */
export class ConnectionFailedError extends ClientError {
  /** The HTTP status when the EventSource implementation reports it (the `eventsource` package does). */
  readonly status: number | undefined

  constructor(status: number | undefined, detail: string | undefined) {
    super(
      'CONNECTION_FAILED',
      `the event stream failed${status === undefined ? '' : ` with status ${status}`}${detail ? `: ${detail}` : ''}; EventSource does not retry`,
    )
    this.status = status
  }
}
