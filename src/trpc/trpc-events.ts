/**
 * `trpcEvents()`: `broker.subscribe()` as what a tRPC v11 subscription procedure returns, each event
 * wrapped in `tracked(position, event)`.
 * @module
 */
import { type TrackedEnvelope, tracked } from '@trpc/server'
import type { Broker } from '../broker.js'
import type { EventMap, EventOf } from '../event.js'
import type { Subscription } from '../subscription.js'
import { toTrpcError } from './trpc-errors.js'

/** Options of {@link trpcEvents}. */
export interface TrpcEventsOptions {
  /** Where the client stands: the procedure's `input.lastEventId` (tRPC fills it from `Last-Event-ID` on a reconnect). */
  lastEventId?: string | null
  /** The procedure's `signal`: the subscription ends when the client goes away. */
  signal?: AbortSignal
}

/**
 * The events of a topic (or of several) for a tRPC subscription, each as `tracked(id, event)`: the
 * event's id for one topic, a cursor over all of them for several, so `httpSubscriptionLink`
 * resumes exactly after the last event it got. Resolves once the subscription is registered, so the
 * client's `onStarted` means that every event committed after it arrives. When the broker closes,
 * the subscription fails with a retryable `SERVICE_UNAVAILABLE` (the client reconnects after its
 * reconnection time, with its last id); a position that cannot be resumed from fails with
 * `PRECONDITION_FAILED`, which the client gets once, not retried (see {@link isCannotResumeError}).
 * @example
 * onEvents: t.procedure
 *   .input(z.object({ lastEventId: z.string().nullish() }).optional())
 *   .subscription(({ input, signal }) => trpcEvents(broker, 'project-1', { lastEventId: input?.lastEventId, signal }))
 */
export async function trpcEvents<Events extends EventMap>(
  broker: Broker<Events>,
  topics: string | readonly string[],
  options: TrpcEventsOptions = {},
): Promise<AsyncGenerator<TrackedEnvelope<EventOf<Events>>, void, undefined>> {
  const { signal } = options
  const subscription = broker.subscribe(topics, { after: options.lastEventId || undefined, signal })
  // tRPC sends its `connected` (the client's `onStarted`) once the procedure has resolved.
  await subscription.ready.catch((error: unknown) => {
    throw toTrpcError(error)
  })
  return tracking(subscription)
}

/** Yields the subscription's events as `tracked(position, event)`, failing the way tRPC should tell the client. */
async function* tracking<Event>(subscription: Subscription<Event>): AsyncGenerator<TrackedEnvelope<Event>, void, undefined> {
  // The iterator returns only when its consumer ended it (the signal: the client went away); every
  // other end throws, and so never reaches tRPC as "complete".
  try {
    for await (const event of subscription) yield tracked(subscription.lastEventId as string, event)
  } catch (error) {
    throw toTrpcError(error)
  }
}
