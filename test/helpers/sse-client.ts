/** A real SSE client (the `eventsource` package) that records what it receives, for tests. */
import { EventSource } from 'eventsource'

/** One message as the client saw it. */
export interface Received {
  type: string
  id: string
  data: string
}

/** An open `EventSource` and what it received so far. */
export interface RecordingClient {
  /** Every named event received, in order (`connected`, `reset` and app events). */
  received: Received[]
  /** App events only (not `connected` / `reset`). */
  events(): Received[]
  /** Resolves once `predicate` holds for what was received; rejects after `timeoutMs`. */
  until(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<void>
  /** Closes the connection. */
  close(): void
  /** The underlying client. */
  source: EventSource
}

/** Opens an `EventSource` on `url` listening for `types` (plus `connected` and `reset`), sending `lastEventId` as the header. */
export function recordingClient(url: string, types: string[], options: { lastEventId?: string } = {}): RecordingClient {
  const received: Received[] = []
  const listeners = new Set<() => void>()
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          ...(options.lastEventId && !(init?.headers as Record<string, string>)?.['Last-Event-ID']
            ? { 'Last-Event-ID': options.lastEventId }
            : {}),
        },
      }),
  })
  for (const type of new Set(['connected', 'reset', ...types])) {
    source.addEventListener(type, (event) => {
      received.push({ type, id: event.lastEventId, data: event.data })
      for (const listener of listeners) listener()
    })
  }
  return {
    received,
    source,
    events: () => received.filter((r) => r.type !== 'connected' && r.type !== 'reset'),
    until(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(received)) return
          cleanup()
          resolve()
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`timed out; received ${JSON.stringify(received.map((r) => `${r.type}#${r.id}`))}`))
        }, timeoutMs)
        const cleanup = () => {
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
