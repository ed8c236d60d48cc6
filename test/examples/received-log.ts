/** What a test's SSE client received, in order, and a way to wait until it has received enough. */

/** One received event. */
export interface ReceivedEvent {
  /** The SSE event type (`connected`, `reset`, `session_updated`, ...). */
  type: string
  /** The SSE id (`lastEventId`). */
  id: string
  /** The parsed `data`. */
  data: unknown
}

/** The events received so far. */
export interface ReceivedLog {
  /** Everything received, in order. */
  received: ReceivedEvent[]
  /** The app events received (not `connected` / `reset`). */
  events(): ReceivedEvent[]
  /** Resolves once `predicate` holds; rejects (listing what arrived) after `timeoutMs`. */
  until(predicate: (received: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<void>
}

/** An empty log, and `push`, which records an event and wakes the waiting `until` calls. */
export function receivedLog(): { log: ReceivedLog; push(event: ReceivedEvent): void } {
  const received: ReceivedEvent[] = []
  const listeners = new Set<() => void>()
  const push = (event: ReceivedEvent): void => {
    received.push(event)
    for (const listener of [...listeners]) listener()
  }
  const log: ReceivedLog = {
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
  }
  return { log, push }
}
