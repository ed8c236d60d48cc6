/**
 * SSE over a Node `ServerResponse` (node:http, Express, Koa's `ctx.res`, Fastify's `reply.raw`),
 * honouring backpressure. On a plain HTTP/1.1 response the frames go straight to the socket as
 * pre-framed HTTP/1.1 chunks (a one-topic stream's chunk of a batch is built once and shared by
 * every stream); behind a middleware that wraps `res.write` (compression), or on HTTP/2,
 * everything goes through `res.write` and a middleware's `flush()` is called after each write.
 *
 * A stream the server ends (shutdown, `maxStreamMs`, a slow or unauthorized client) also closes
 * its HTTP/1.x connection once the last bytes are out, and a "retry later" answer is sent with
 * `Connection: close`: an idle keep-alive socket would otherwise carry the browser's reconnect
 * straight back into this process, which may be shutting down or shedding load.
 * @module
 */
import { type IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest } from 'node:http2'
import type { Socket } from 'node:net'
import type { Batch, Envelope } from '../batch.js'
import type { Connection } from '../connection.js'
import { encodeFrames, farewellFrame, HEARTBEAT_FRAME, retryFrame } from '../frame.js'
import type { EndReason, Sink } from '../sink.js'
import { refusalHeaders, retryLaterHeaders, sseHeaders } from './headers.js'
import type { OpenStream, StreamStart } from './stream-start.js'

/** A Node request: HTTP/1.x (`IncomingMessage`), or HTTP/2's compatibility API (`Http2ServerRequest`). */
type NodeRequest = IncomingMessage | Http2ServerRequest

/**
 * What this transport uses of a Node response: the members `ServerResponse` and HTTP/2's
 * `Http2ServerResponse` share (the latter has no `destroyed`: its `close` event tells instead, and
 * its `flushHeaders` is missing from Node's types), and the `flush()` of a compression middleware
 * that buffers.
 */
interface NodeResponse {
  /** Whether the response was destroyed (`ServerResponse` only). */
  readonly destroyed?: boolean
  /** Whether `end()` was called. */
  readonly writableEnded: boolean
  /** The connection's socket (HTTP/2: the session's). */
  readonly socket: Socket | null
  /** A compression middleware's flush. */
  flush?: () => void
  /** Sets the status and headers. */
  writeHead(status: number, headers: Record<string, string>): unknown
  /** Sends the headers now (`ServerResponse`; HTTP/2 sends them at `writeHead`). */
  flushHeaders?(): void
  /** Writes bytes; false when the transport must drain first. */
  write(chunk: Uint8Array): boolean
  /** Ends the response. */
  end(chunk?: Uint8Array | string): unknown
  /** `close`: the client went away or the response ended; `error`: the transport failed. */
  on(event: 'close' | 'error', listener: () => void): unknown
  /** `drain`: writable again; `finish`: the last bytes are handed to the transport. */
  once(event: 'drain' | 'finish', listener: () => void): unknown
}

const encoder = new TextEncoder()

/** Frames `bytes` as one HTTP/1.1 chunk (`<size in hex>\r\n<bytes>\r\n`) for writing straight to a socket. */
function httpChunk(bytes: Uint8Array): Uint8Array {
  const head = encoder.encode(`${bytes.byteLength.toString(16)}\r\n`)
  const chunk = new Uint8Array(head.byteLength + bytes.byteLength + 2)
  chunk.set(head, 0)
  chunk.set(bytes, head.byteLength)
  chunk.set([13, 10], head.byteLength + bytes.byteLength)
  return chunk
}

const HEARTBEAT_CHUNK = httpChunk(HEARTBEAT_FRAME)

/** The last envelope made: the streams of one fan-out mostly frame batches of the same length. */
let lastEnvelope: { length: number; value: readonly [string, string] } = { length: 0, value: ['0\r\n', '\r\n'] }

/** An HTTP/1.1 chunk's size line and CRLF around a stream's own frames. */
const chunkEnvelope: Envelope = (length) => {
  if (lastEnvelope.length !== length) lastEnvelope = { length, value: [`${length.toString(16)}\r\n`, '\r\n'] }
  return lastEnvelope.value
}
const plainWrite = ServerResponse.prototype.write

/** Whether `res` is a plain HTTP/1.1 chunked response we may write pre-framed chunks to directly. */
function directSocket(req: NodeRequest, res: NodeResponse): Socket | undefined {
  const { socket } = res
  const chunked = (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true
  const wrapped = res.write !== plainWrite || typeof res.flush === 'function'
  return req.httpVersionMajor === 1 && chunked && !wrapped && socket?.writable ? socket : undefined
}

/** Writes a connection's batches to a Node response. */
class NodeSink implements Sink {
  /** The socket to write pre-framed chunks to, when the response allows it. */
  socket: Socket | undefined
  /** Ends the connection when the client goes away (listens on the response's `close` and `error`). */
  readonly gone = () => this.connection.end('closed')
  private readonly res: NodeResponse
  private readonly connection: Connection
  private readonly retryMs: number
  private readonly http1: boolean
  private readonly done: () => void
  private onDrain: (() => void) | undefined

  constructor(res: NodeResponse, connection: Connection, start: { retryMs: number; http1: boolean }, done: () => void) {
    this.res = res
    this.connection = connection
    this.retryMs = start.retryMs
    this.http1 = start.http1
    this.done = done
  }

  write(batch: Batch): boolean {
    const { connection, socket } = this
    if (!socket) return this.send(connection.framesOf(batch))
    // One-topic streams share one chunk of the batch's frames, built once; a multi-topic stream's is its own.
    const chunk = connection.sharesFrames ? batch.framesIn(chunkEnvelope) : connection.framesOf(batch, chunkEnvelope)
    return this.send(chunk, chunk)
  }

  /** Writes the stream's first bytes; false when the transport must drain first. */
  writePrelude(prelude: Uint8Array): boolean {
    return this.send(prelude)
  }

  heartbeat(): void {
    this.send(HEARTBEAT_FRAME, HEARTBEAT_CHUNK)
  }

  end(reason: EndReason): void {
    const { res } = this
    if (!res.destroyed && !res.writableEnded) {
      if (reason !== 'closed') {
        this.send(farewellFrame(reason === 'shutdown', this.retryMs))
        if (this.http1) closeConnectionWhenFinished(res)
      }
      res.end()
    }
    this.done()
  }

  /** Writes `bytes` (on the socket, as `chunk` when already framed); false when the transport must drain first. */
  private send(bytes: Uint8Array, chunk?: Uint8Array): boolean {
    const { res, socket } = this
    if (res.destroyed) return false
    let writable: boolean
    if (socket) {
      writable = socket.write(chunk ?? httpChunk(bytes))
    } else {
      writable = res.write(bytes)
      res.flush?.()
    }
    if (!writable) {
      this.onDrain ??= () => this.connection.drained()
      ;(socket ?? res).once('drain', this.onDrain)
    }
    return writable
  }
}

/**
 * Closes the connection once `res` is written, as Node does after a `Connection: close` response
 * (`socket.destroySoon()`). Node runs its own `finish` listener first: by then the socket is
 * detached from `res`, and without this it would wait, idle, for the client's next request.
 */
function closeConnectionWhenFinished(res: NodeResponse): void {
  const socket = res.socket
  if (socket) res.once('finish', () => socket.destroySoon())
}

/** Writes `start` to `res`: a refusal, a "retry later", or the whole stream; resolves when it ends. */
export function writeNodeStream(req: NodeRequest, res: NodeResponse, start: StreamStart): Promise<void> {
  if (start.kind === 'refuse') {
    res.writeHead(start.status, refusalHeaders())
    res.end(start.body)
    return Promise.resolve()
  }
  if (start.kind === 'retry-later') {
    res.writeHead(200, retryLaterHeaders(req.httpVersionMajor < 2)) // Node closes the socket after a `Connection: close` answer
    res.end(retryFrame(start.retryMs))
    return Promise.resolve()
  }
  return new Promise((resolve) => startStream(req, res, start, resolve))
}

/** Starts the stream. Kept free of closures: an idle stream holds only its connection and sink. */
function startStream(req: NodeRequest, res: NodeResponse, start: OpenStream, done: () => void): void {
  const { connection } = start
  const http1 = req.httpVersionMajor < 2
  const sink = new NodeSink(res, connection, { retryMs: start.retryMs, http1 }, done)
  res.on('close', sink.gone)
  res.on('error', sink.gone)
  if (res.destroyed) {
    connection.end('closed')
    done()
    return
  }
  res.writeHead(200, sseHeaders(http1))
  res.flushHeaders?.()
  sink.socket = directSocket(req, res)
  connection.bind(sink, !sink.writePrelude(encodeFrames(start.prelude)))
}
