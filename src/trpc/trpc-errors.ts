/**
 * How durable-sse's errors reach a tRPC client. tRPC's `httpSubscriptionLink` reconnects by itself
 * (its `EventSource` waits its reconnection time, then resends `Last-Event-ID`) after a retryable
 * code (`INTERNAL_SERVER_ERROR`, `BAD_GATEWAY`, `SERVICE_UNAVAILABLE`, `GATEWAY_TIMEOUT`); any other
 * code ends the subscription with one error on the client.
 * @module
 */
import { TRPCError } from '@trpc/server'
import { BrokerClosedError, CannotResumeError, InvalidEventIdError, InvalidTopicError, SlowConsumerError } from '../errors.js'

/** The tRPC code a subscription ends with when its `lastEventId` cannot be resumed from. */
const CANNOT_RESUME_TRPC_CODE = 'PRECONDITION_FAILED'

/**
 * The broker closed (the process is shutting down, or the stream was ended early): a retryable
 * code, so the client comes back after its reconnection time with its last id, to whichever
 * process answers by then.
 */
function restartingError(cause?: unknown): TRPCError {
  return new TRPCError({
    code: 'SERVICE_UNAVAILABLE',
    message: 'the event stream ended on the server (shutting down?): reconnect to resume after the last event id',
    cause,
  })
}

/**
 * Maps an error of `broker.subscribe()` to what tRPC should tell the client: a cannot-resume ends
 * the subscription with {@link CANNOT_RESUME_TRPC_CODE} (not retried), a closed broker or a slow
 * consumer cut off asks for a retry, a malformed topic or id is a `BAD_REQUEST`; anything else (a database fault) stays as it
 * is, which tRPC sends as a retryable `INTERNAL_SERVER_ERROR`.
 */
export function toTrpcError(error: unknown): unknown {
  if (error instanceof CannotResumeError) {
    return new TRPCError({ code: CANNOT_RESUME_TRPC_CODE, message: error.message, cause: error })
  }
  if (error instanceof BrokerClosedError || error instanceof SlowConsumerError) return restartingError(error)
  if (error instanceof InvalidEventIdError || error instanceof InvalidTopicError) {
    return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error })
  }
  return error
}

/**
 * On the client: whether a subscription's error says its position cannot be resumed from (pruned by
 * retention, from another database, ahead of the head). Refetch the state, then subscribe again
 * without `lastEventId` (or with the one a snapshot returned).
 * @example
 * onError(error) { if (isCannotResumeError(error)) void refetchThenSubscribe() }
 */
export function isCannotResumeError(error: unknown): boolean {
  return (error as { data?: { code?: unknown } } | undefined)?.data?.code === CANNOT_RESUME_TRPC_CODE
}
