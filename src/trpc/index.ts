/**
 * durable-sse/trpc: tRPC v11 subscriptions over a durable-sse broker. `@trpc/server` 11 is an
 * optional peer dependency. A procedure returns {@link trpcEvents}; the client's
 * `httpSubscriptionLink` resumes after the last event across reconnects and server restarts, and
 * {@link isCannotResumeError} tells it when to refetch instead.
 * @example
 * import { trpcEvents } from 'durable-sse/trpc'
 * const appRouter = t.router({
 *   projectEvents: t.procedure
 *     .input(z.object({ projectId: z.string(), lastEventId: z.string().nullish() }))
 *     .subscription(({ input, signal }) =>
 *       trpcEvents(broker, `project-${input.projectId}`, { lastEventId: input.lastEventId, signal })),
 * })
 * @module
 */
export { isCannotResumeError } from './trpc-errors.js'
export { type TrpcEventsOptions, trpcEvents } from './trpc-events.js'
