/**
 * Compile-time tests of the client's options, checked by `npm run typecheck`: each
 * `@ts-expect-error` line must fail to compile.
 */
import { expectTypeOf } from 'vitest'
import { type ClientError, connect, type ResetDetail, UnauthorizedError } from '../../src/client/index.js'
import { type UseEventsOptions, useEvents } from '../../src/react/index.js'

type AppEvents = { session_updated: { sessionId: string; status: string } }

export function options(token: () => Promise<string>): void {
  connect<AppEvents>('/api/events', {
    handlers: {},
    onReset: (reason, reset) => {
      expectTypeOf(reason).toEqualTypeOf<'pruned' | 'ahead' | 'foreign'>()
      expectTypeOf(reset).toEqualTypeOf<ResetDetail>()
      expectTypeOf(reset.topic).toEqualTypeOf<string | undefined>()
    },
    onError: (error) => {
      expectTypeOf(error).toEqualTypeOf<ClientError>()
      if (error instanceof UnauthorizedError) expectTypeOf(error.status).toEqualTypeOf<401 | 403>()
    },
    headers: async () => ({ Authorization: `Bearer ${await token()}` }),
    fetch: globalThis.fetch,
    shared: true,
    backoffMs: 500,
    maxBackoffMs: 10_000,
  })
  // @ts-expect-error headers are strings
  connect<AppEvents>('/api/events', { handlers: {}, headers: { 'X-Count': 1 } })
}

export function useReactOptions(): void {
  const opts: UseEventsOptions = {
    headers: { Authorization: 'Bearer t' },
    shared: true,
    onReset: (_reason, reset) => void reset.topic,
  }
  useEvents<AppEvents>('/api/events', {}, opts)
}
