/**
 * Compile-time tests, checked by `tsc --noEmit -p .` (`npm run typecheck`): each
 * `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
 * One event map types the server's `publish` and the client's handlers.
 */

import { EventSource as NodeEventSource } from 'eventsource'
import { expectTypeOf } from 'vitest'
import { connect, type EventSourceConstructor, type Handlers, type StoredEvent } from '../../src/client/index.js'
import { createBroker, memoryStore } from '../../src/index.js'
import { useEvents } from '../../src/react/index.js'

type AppEvents = {
  session_updated: { sessionId: string; status: string }
  workspace_updated: { workspaceId: string; status: 'ready' | 'busy' }
}

export async function serverSide(): Promise<void> {
  const broker = createBroker<AppEvents>(memoryStore())

  const stored = await broker.publish({ topic: 'p1', type: 'session_updated', payload: { sessionId: 's1', status: 'running' } })
  expectTypeOf(stored).toEqualTypeOf<StoredEvent<'session_updated', { sessionId: string; status: string }>>()

  // @ts-expect-error the payload of session_updated has no workspaceId
  await broker.publish({ topic: 'p1', type: 'session_updated', payload: { workspaceId: 'w1', status: 'ready' } })
  // @ts-expect-error status must be a string
  await broker.publish({ topic: 'p1', type: 'session_updated', payload: { sessionId: 's1', status: 1 } })
  // @ts-expect-error 'paused' is not a workspace status
  await broker.publish({ topic: 'p1', type: 'workspace_updated', payload: { workspaceId: 'w1', status: 'paused' } })
  // @ts-expect-error an event type outside the map
  await broker.publish({ topic: 'p1', type: 'project_deleted', payload: {} })
  // @ts-expect-error a wrong payload inside an array fails too
  await broker.publish([{ topic: 'p1', type: 'session_updated', payload: { sessionId: 's1' } }])
}

export function clientSide(): void {
  connect<AppEvents>('/api/projects/p1/events', {
    handlers: {
      session_updated: (event) => {
        expectTypeOf(event.type).toEqualTypeOf<'session_updated'>()
        expectTypeOf(event.payload.sessionId).toEqualTypeOf<string>()
        // @ts-expect-error a session_updated payload has no workspaceId
        void event.payload.workspaceId
      },
      workspace_updated: (event) => {
        expectTypeOf(event.payload.status).toEqualTypeOf<'ready' | 'busy'>()
      },
    },
    onReset: (reason) => expectTypeOf(reason).toEqualTypeOf<'pruned' | 'ahead' | 'foreign'>(),
  })

  const wrongPayload: Handlers<AppEvents> = {
    // @ts-expect-error the handler expects a payload the server never sends for this type
    session_updated: (event: StoredEvent<'session_updated', { sessionId: number }>) => void event,
  }
  const unknownType: Handlers<AppEvents> = {
    // @ts-expect-error no such event type in the map
    project_deleted: () => {},
  }
  void wrongPayload
  void unknownType
}

export function useReactSide(): void {
  useEvents<AppEvents>('/api/projects/p1/events', {
    workspace_updated: ({ payload }) => {
      // @ts-expect-error a workspace_updated payload has no sessionId
      void payload.sessionId
    },
  })
}

/** Both the browser's EventSource and the `eventsource` package's fit the injected constructor. */
export const constructors: EventSourceConstructor[] = [globalThis.EventSource, NodeEventSource]
