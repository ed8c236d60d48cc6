/** A real `EventSource` (the `eventsource` package) with credentials, recording what it receives. */
import { EventSource } from 'eventsource'

/** One received event. */
export interface ReceivedEvent {
  /** The SSE event type (`connected`, `reset`, `session_updated`, ...). */
  type: string
  /** The SSE id (`lastEventId`). */
  id: string
  /** The parsed `data`. */
  data: unknown
}

/** An open stream and what it received. */
export interface StreamClient {
  /** Everything received, in order. */
  received: ReceivedEvent[]
  /** The app events received (not `connected` / `reset`). */
  events(): ReceivedEvent[]
  /** Resolves once `predicate` holds; rejects (listing what arrived) after `timeoutMs`. */
  until(predicate: (received: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<void>
  /** Closes the connection. */
  close(): void
}

/** Event types the examples' clients listen for. */
const TYPES = ['connected', 'reset', 'session_updated', 'workspace_updated']

/** Opens `url` with `Authorization: Bearer <token>` and, when given, a `Last-Event-ID` header. */
export function openStream(url: string, options: { token: string; lastEventId?: string }): StreamClient {
  const received: ReceivedEvent[] = []
  const listeners = new Set<() => void>()
  const source = new EventSource(url, {
    fetch: (input, init) => {
      const headers = new Headers(init?.headers)
      headers.set('authorization', `Bearer ${options.token}`)
      if (options.lastEventId && !headers.has('last-event-id')) headers.set('last-event-id', options.lastEventId)
      return fetch(input, { ...init, headers })
    },
  })
  for (const type of TYPES) {
    source.addEventListener(type, (event) => {
      received.push({ type, id: event.lastEventId, data: JSON.parse(event.data) })
      for (const listener of [...listeners]) listener()
    })
  }
  return {
    received,
    events: () => received.filter((event) => event.type !== 'connected' && event.type !== 'reset'),
    until(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(received)) return
          done()
          resolve()
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`timed out; received ${JSON.stringify(received.map((event) => `${event.type}#${event.id}`))}`))
        }, timeoutMs)
        const done = (): void => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        listeners.add(check)
        check()
      })
    },
    close: () => source.close(),
  }
}
