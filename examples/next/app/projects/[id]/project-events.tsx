'use client'
/**
 * The project's events as they arrive, newest last, and the stream's status: a client component
 * over `useEvents`. The browser's `EventSource` resumes with `Last-Event-ID` after a restart of the
 * server, so the list has every event once, in order.
 * @module
 */
import { useState } from 'react'
import type { StoredEvent } from '../../../../../src/client/index.js'
import { useEvents } from '../../../../../src/react/index.js'
import type { AppEvents } from '../../../../shared/events.js'

/** A session or workspace update, as listed. */
type Update = StoredEvent<keyof AppEvents, AppEvents[keyof AppEvents]>

/** Lists the events of `projectId`'s stream. */
export function ProjectEvents({ projectId }: { projectId: string }) {
  const [events, setEvents] = useState<Update[]>([])
  const add = (event: Update) => setEvents((all) => [...all, event])
  const status = useEvents<AppEvents>(`/api/projects/${encodeURIComponent(projectId)}/events`, {
    session_updated: add,
    workspace_updated: add,
  })
  return (
    <section>
      <p data-testid="status" data-status={status}>
        Stream: {status}
      </p>
      <ol>
        {events.map((event) => (
          <li key={event.id} data-event-id={event.id}>
            {event.type}: {'sessionId' in event.payload ? event.payload.sessionId : event.payload.workspaceId} is{' '}
            {event.payload.status}
          </li>
        ))}
      </ol>
    </section>
  )
}
