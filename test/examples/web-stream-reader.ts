/** Reads the SSE body of a web `Response` (what a Next.js route handler returns), recording its events. */
import { createParser } from 'eventsource-parser'
import { type ReceivedLog, receivedLog } from './received-log.js'

/** What a read stream received so far. */
export interface WebStreamEvents extends ReceivedLog {
  /** Resolves when the body ends. */
  ended: Promise<void>
}

/** Starts reading `response.body` as SSE. */
export function readWebStream(response: Response): WebStreamEvents {
  const { log, push } = receivedLog()
  const parser = createParser({
    onEvent(message) {
      push({ type: message.event ?? 'message', id: message.id ?? '', data: JSON.parse(message.data) })
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
  return { ...log, ended }
}
