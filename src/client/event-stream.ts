/**
 * Reading one `text/event-stream` response body into frames, by the WHATWG rules: UTF-8 decoding
 * that strips one leading BOM, then `eventsource-parser` for lines, fields, `retry:` and comments.
 * @module
 */
import { createParser } from 'eventsource-parser'
import type { Frame } from './link.js'

/** What the body tells while it is read. */
export interface EventStreamListener {
  /** A dispatched frame. */
  frame(frame: Frame): void
  /** A valid `retry:` field: the new reconnection time, in ms. */
  retry(ms: number): void
}

/**
 * Reads `body` to its end, calling `listener` for each frame; resolves when the server ends the
 * body (an unterminated last frame is discarded, as the spec says) and rejects on a read error.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, listener: EventStreamListener): Promise<void> {
  const parser = createParser({
    onEvent: (message) => listener.frame({ type: message.event ?? 'message', data: message.data, id: message.id }),
    onRetry: (ms) => listener.retry(ms),
  })
  // The decoder strips the one BOM the spec allows; the parser would also strip the three
  // characters "ï»¿" (a BOM decoded as latin1) at the very start, so it starts on an empty line,
  // which dispatches nothing.
  parser.feed('\n')
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let endsWithCR = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      const text = decoder.decode(value, { stream: true })
      if (!text) continue
      parser.feed(text)
      endsWithCR = text.endsWith('\r')
    }
    // A CR that ends the body ends a line; the parser would wait for a possible LF forever, so
    // give it one: CRLF is the same single line end.
    if (endsWithCR && !decoder.decode()) parser.feed('\n')
  } finally {
    reader.releaseLock()
  }
}
