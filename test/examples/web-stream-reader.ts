/** Reads the SSE body of a web `Response` (what a Next.js route handler returns), recording its events. */
import { createParser } from 'eventsource-parser'
import type { ReceivedEvent } from './stream-client.js'

/** What a read stream received so far. */
export interface WebStreamEvents {
  /** Every event, in order. */
  received: ReceivedEvent[]
  /** The app events (not `connected` / `reset`). */
  events(): ReceivedEvent[]
  /** Resolves once `predicate` holds; rejects after `timeoutMs`. */
  until(predicate: (received: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<void>
  /** Resolves when the body ends. */
  ended: Promise<void>
}

/** Starts reading `response.body` as SSE. */
export function readWebStream(response: Response): WebStreamEvents {
  const received: ReceivedEvent[] = []
  const listeners = new Set<() => void>()
  const parser = createParser({
    onEvent(message) {
      received.push({ type: message.event ?? 'message', id: message.id ?? '', data: JSON.parse(message.data) })
      for (const listener of [...listeners]) listener()
    },
  })
  const body = response.body
  if (!body) throw new Error('the response has no body')
  const ended = (async () => {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      parser.feed(value)
    }
  })()
  ended.catch(() => {})
  return {
    received,
    events: () => received.filter((event) => event.type !== 'connected' && event.type !== 'reset'),
    ended,
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
}
