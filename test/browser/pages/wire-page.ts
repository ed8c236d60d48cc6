/**
 * The wire-parity page: reads one event stream with the browser's own `EventSource` and with the
 * client's fetch transport, and returns what each dispatched (type, data, last event id).
 */
import { readOnceOverFetch } from '../../client/read-once.js'

/** One dispatched message, as an `EventSource` listener sees it. */
export interface Dispatched {
  type: string
  data: string
  lastEventId: string
}

/** What the page exposes as `window.harness`. */
export interface WireHarness {
  native(path: string, types: string[]): Promise<Dispatched[]>
  transport(path: string): Promise<Dispatched[]>
}

const harness: WireHarness = {
  native: (path, types) =>
    new Promise((resolve) => {
      const seen: Dispatched[] = []
      const source = new EventSource(path)
      for (const type of types) {
        source.addEventListener(type, (event) => seen.push({ type, data: event.data, lastEventId: event.lastEventId }))
      }
      // The server ends each stream: the first error is that end.
      source.addEventListener('error', () => {
        source.close()
        resolve(seen)
      })
    }),
  transport: async (path) => {
    let lastEventId = ''
    return (await readOnceOverFetch(path)).map((frame) => {
      if (frame.id !== undefined) lastEventId = frame.id
      return { type: frame.type, data: frame.data as string, lastEventId }
    })
  },
}
;(window as unknown as { harness: WireHarness }).harness = harness
