/**
 * One stream read through the client's fetch transport up to its first end, in Node or in a page:
 * the fetch-wire test and the browser's wire-parity page compare what it dispatched with a reference.
 */
import { openFetchLink } from '../../src/client/fetch-link.js'
import type { Frame } from '../../src/client/link.js'

/** Reads `url` over `fetch` until the stream first ends; resolves with its frames, rejects when the transport reports an error. */
export function readOnceOverFetch(url: string): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const frames: Frame[] = []
    const link = openFetchLink(
      {
        url,
        withCredentials: false,
        EventSource: undefined,
        headers: undefined,
        fetch,
        // Never reached: the read ends at the stream's first end, before any reconnect.
        backoffMs: 60_000,
        maxBackoffMs: 60_000,
      },
      {
        lastEventId: () => undefined, // the one request resumes nothing
        frame: (frame) => frames.push(frame),
        reconnecting: () => {
          link.close()
          resolve(frames)
        },
        failed: (error) => {
          link.close()
          reject(error)
        },
        stopped: (error) => reject(error ?? new Error('the transport stopped')),
      },
    )
  })
}
