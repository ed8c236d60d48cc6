/**
 * SSE over a Node `ServerResponse` (node:http, Express, Koa's `ctx.res`, Fastify's `reply.raw`),
 * honouring backpressure. On a plain HTTP/1.1 response the batches' pre-framed chunks go straight
 * to the socket (one shared buffer per batch for every subscriber); behind a middleware that
 * wraps `res.write` (compression), or on HTTP/2, everything goes through `res.write` and a
 * middleware's `flush()` is called after each write.
 *
 * A stream the server ends (shutdown, `maxStreamMs`, a slow or unauthorized client) also closes
 * its HTTP/1.x connection once the last bytes are out, and a "retry later" answer is sent with
 * `Connection: close`: an idle keep-alive socket would otherwise carry the browser's reconnect
 * straight back into this process, which may be shutting down or shedding load.
 * @module
 */
import { type IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { EndReason, Sink, Subscriber } from '../subscriber.js'
import { type Batch, httpChunk } from './batch.js'
import { encodeFrames, farewellFrame, HEARTBEAT_FRAME, retryFrame, sseHeaders } from './frame.js'
import type { OpenStream, StreamStart } from './stream-start.js'

/** A response that a compression middleware wrapped: it buffers until `flush()`. */
type FlushableResponse = ServerResponse & { flush?: () => void }

const HEARTBEAT_CHUNK = httpChunk(HEARTBEAT_FRAME)
const plainWrite = ServerResponse.prototype.write

/** Whether `res` is a plain HTTP/1.1 chunked response we may write pre-framed chunks to directly. */
function directSocket(req: IncomingMessage, res: FlushableResponse): Socket | undefined {
  const socket = res.socket as Socket | null
  const chunked = (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true
  const wrapped = res.write !== plainWrite || typeof res.flush === 'function'
  return req.httpVersionMajor === 1 && chunked && !wrapped && socket?.writable ? socket : undefined
}

/** Writes a subscriber's batches to a Node response. */
class NodeSink implements Sink {
  /** The socket to write pre-framed chunks to, when the response allows it. */
  socket: Socket | undefined
  /** Ends the subscriber when the client goes away (listens on the response's `close` and `error`). */
  readonly gone = () => this.subscriber.end('closed')
  private readonly res: FlushableResponse
  private readonly subscriber: Subscriber
  private readonly retryMs: number
  private readonly http1: boolean
  private readonly done: () => void
  private onDrain: (() => void) | undefined

  constructor(res: FlushableResponse, subscriber: Subscriber, start: { retryMs: number; http1: boolean }, done: () => void) {
    this.res = res
    this.subscriber = subscriber
    this.retryMs = start.retryMs
    this.http1 = start.http1
    this.done = done
  }

  write(batch: Batch): boolean {
    return this.send(batch.chunk, batch)
  }

  /** Writes the stream's first bytes; false when the transport must drain first. */
  open(prelude: Uint8Array): boolean {
    return this.send(prelude)
  }

  heartbeat(): void {
    this.send(HEARTBEAT_FRAME)
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

  /** Writes bytes (a batch's shared chunk when given); false when the transport must drain first. */
  private send(bytes: Uint8Array, batch?: Batch): boolean {
    const { res, socket } = this
    if (res.destroyed) return false
    let writable: boolean
    if (socket) {
      writable = socket.write(batch ? batch.httpChunk : bytes === HEARTBEAT_FRAME ? HEARTBEAT_CHUNK : httpChunk(bytes))
    } else {
      writable = res.write(bytes)
      res.flush?.()
    }
    if (!writable) {
      this.onDrain ??= () => this.subscriber.drained()
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
function closeConnectionWhenFinished(res: ServerResponse): void {
  const socket = res.socket
  if (socket) res.once('finish', () => socket.destroySoon())
}

/** Writes `start` to `res`: a refusal, a "retry later", or the whole stream; resolves when it ends. */
export function writeNodeStream(req: IncomingMessage, res: FlushableResponse, start: StreamStart): Promise<void> {
  if (start.kind === 'refuse') {
    res.writeHead(start.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(start.body)
    return Promise.resolve()
  }
  if (start.kind === 'retry-later') {
    const headers = sseHeaders(false)
    if (req.httpVersionMajor < 2) headers.Connection = 'close' // Node closes the socket after the answer
    res.writeHead(200, headers)
    res.end(retryFrame(start.retryMs))
    return Promise.resolve()
  }
  return new Promise((resolve) => openStream(req, res, start, resolve))
}

/** Opens the stream. Kept free of closures: an idle stream holds only its subscriber and sink. */
function openStream(req: IncomingMessage, res: FlushableResponse, start: OpenStream, done: () => void): void {
  const { subscriber } = start
  const http1 = req.httpVersionMajor < 2
  const sink = new NodeSink(res, subscriber, { retryMs: start.retryMs, http1 }, done)
  res.on('close', sink.gone)
  res.on('error', sink.gone)
  if (res.destroyed) {
    subscriber.end('closed')
    done()
    return
  }
  res.writeHead(200, sseHeaders(http1))
  res.flushHeaders()
  sink.socket = directSocket(req, res)
  subscriber.attach(sink, !sink.open(encodeFrames(start.prelude)))
}
