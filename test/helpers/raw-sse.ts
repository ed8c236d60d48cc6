/** A raw-socket SSE client for tests that need to stop reading (backpressure) or count cheaply. */
import { connect, type Socket } from 'node:net'
import { createParser, type EventSourceMessage } from 'eventsource-parser'

/** A raw SSE connection: the test decides when it reads. */
export interface RawSseClient {
  socket: Socket
  /** Resolves when the response headers have arrived. */
  headers: Promise<string>
  /** Resolves when the server ends the stream. */
  ended: Promise<void>
}

/**
 * Opens `GET path` on a raw socket and feeds every SSE message to `onMessage` (chunked transfer
 * encoding is decoded here, minimally).
 */
export function rawSseClient(
  port: number,
  path: string,
  onMessage: (message: EventSourceMessage) => void,
  headers: Record<string, string> = {},
): RawSseClient {
  const socket = connect(port, '127.0.0.1')
  const parser = createParser({ onEvent: onMessage })
  const decoder = new TextDecoder()
  let head = ''
  let inBody = false
  let pending: Buffer = Buffer.alloc(0)
  let resolveHeaders: (headers: string) => void = () => {}
  const headersArrived = new Promise<string>((resolve) => {
    resolveHeaders = resolve
  })
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()))
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${extra}\r\n`)
  socket.on('data', (data: Buffer) => {
    let chunk = data
    if (!inBody) {
      head += chunk.toString('latin1')
      const end = head.indexOf('\r\n\r\n')
      if (end < 0) return
      inBody = true
      resolveHeaders(head.slice(0, end))
      chunk = Buffer.from(head.slice(end + 4), 'latin1')
    }
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
    // Chunked encoding: <hex size>\r\n<data>\r\n
    for (;;) {
      const lineEnd = pending.indexOf('\r\n')
      if (lineEnd < 0) return
      const size = Number.parseInt(pending.subarray(0, lineEnd).toString('latin1'), 16)
      if (pending.length < lineEnd + 2 + size + 2) return
      if (size === 0) {
        socket.end()
        return
      }
      parser.feed(decoder.decode(pending.subarray(lineEnd + 2, lineEnd + 2 + size), { stream: true }))
      pending = pending.subarray(lineEnd + 2 + size + 2)
    }
  })
  socket.on('error', () => {})
  return { socket, headers: headersArrived, ended }
}
