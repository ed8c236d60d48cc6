/**
 * SSE over a Node `ServerResponse` (node:http, Express, Koa's `ctx.res`, Fastify's `reply.raw`),
 * HTTP/1.x or HTTP/2's compatibility API, honouring backpressure. On a plain HTTP/1.1 response the
 * bytes go straight to the socket as pre-framed chunks (`http1-socket.ts`: measured cheaper than
 * `res.write`); behind a middleware that wraps `res.write` (compression), or on HTTP/2, they go
 * through `res.write`, and a middleware's `flush()` is called after each write.
 *
 * A stream the server ends (shutdown, `maxStreamMs`, a slow or unauthorized client) also closes
 * its HTTP/1.x connection once the last bytes are out, and a "retry later" answer is sent with
 * `Connection: close`: an idle keep-alive socket would otherwise carry the browser's reconnect
 * straight back into this process, which may be shutting down or shedding load.
 * @module
 */
import type { IncomingMessage } from 'node:http'
import type { Http2ServerRequest } from 'node:http2'
import type { Socket } from 'node:net'
import type { ByteSink, EndReason } from '../sink.js'
import { refusalHeaders, retryLaterHeaders, sseHeaders } from './headers.js'
import { chunkSocket, writeChunk } from './http1-socket.js'
import type { OpenStream, SseStream, StreamStart } from './stream-start.js'

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

/** Writes a stream's bytes to a Node response. */
class NodeSink implements ByteSink {
  /** The stream, once opened. */
  stream: SseStream | undefined
  /** Where chunks go directly, on a plain HTTP/1.1 response. */
  socket: Socket | undefined
  /** Cancels the stream when the client goes away (listens on the response's `close` and `error`). */
  readonly gone = () => this.stream?.cancel()
  private readonly res: NodeResponse
  private readonly http1: boolean
  private readonly done: () => void
  private onDrain: (() => void) | undefined

  constructor(res: NodeResponse, http1: boolean, done: () => void) {
    this.res = res
    this.http1 = http1
    this.done = done
  }

  write(bytes: Uint8Array): boolean {
    const { res } = this
    if (res.destroyed) return false
    const { socket } = this
    let writable: boolean
    if (socket) writable = writeChunk(socket, bytes)
    else {
      writable = res.write(bytes)
      res.flush?.()
    }
    if (!writable) {
      this.onDrain ??= () => this.stream?.drained()
      ;(socket ?? res).once('drain', this.onDrain)
    }
    return writable
  }

  end(reason: EndReason): void {
    const { res } = this
    if (!res.destroyed && !res.writableEnded) {
      if (reason !== 'closed' && this.http1) closeConnectionWhenFinished(res)
      res.end()
    }
    this.done()
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
    res.end(start.body)
    return Promise.resolve()
  }
  return new Promise((resolve) => startStream(req, res, start, resolve))
}

/** Starts the stream. Kept free of closures: an idle stream holds only its connection, writer and sink. */
function startStream(req: NodeRequest, res: NodeResponse, start: OpenStream, done: () => void): void {
  const http1 = req.httpVersionMajor < 2
  const sink = new NodeSink(res, http1, done)
  res.on('close', sink.gone)
  res.on('error', sink.gone)
  if (!res.destroyed) {
    res.writeHead(200, sseHeaders(http1))
    res.flushHeaders?.()
    sink.socket = chunkSocket(req.httpVersionMajor, res)
  }
  sink.stream = start.open(sink)
  if (res.destroyed) sink.stream.cancel()
}
