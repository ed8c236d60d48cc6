/** A real `EventSource` (the `eventsource` package) with credentials, recording what it receives. */
import { EventSource } from 'eventsource'
import { type ReceivedLog, receivedLog } from './received-log.js'

/** An open stream and what it received. */
export interface StreamClient extends ReceivedLog {
  /** Closes the connection. */
  close(): void
}

/** Event types the examples' clients listen for. */
const TYPES = ['connected', 'reset', 'session_updated', 'workspace_updated']

/** Opens `url` with `Authorization: Bearer <token>` and, when given, a `Last-Event-ID` header. */
export function openStream(url: string, options: { token: string; lastEventId?: string }): StreamClient {
  const { log, push } = receivedLog()
  const source = new EventSource(url, {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${options.token}`)
      if (options.lastEventId && !headers.has('last-event-id')) headers.set('last-event-id', options.lastEventId)
      return fetch(input, { ...init, headers })
    },
  })
  for (const type of TYPES) {
    source.addEventListener(type, (event) => push({ type, id: event.lastEventId, data: JSON.parse(event.data) }))
  }
  return { ...log, close: () => source.close() }
}
