/**
 * SSE over a Node `ServerResponse` (node:http, Express, Koa's `ctx.res`, Fastify's `reply.raw`),
 * honouring `res.write()` backpressure and flushing a compression middleware after each write.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Subscriber } from '../subscriber.js'
import { concatFrames, farewellFrame, HEARTBEAT_FRAME, retryFrame, sseHeaders } from './frame.js'
import type { StreamStart } from './stream-start.js'

/** A response that a compression middleware wrapped: it buffers until `flush()`. */
type FlushableResponse = ServerResponse & { flush?: () => void }

/** Resolves when `res` can take more data, has closed, or the subscriber ended (its last frames then wait in `res`). */
function drained(res: ServerResponse, subscriber: Subscriber): Promise<void> {
  return new Promise((resolve) => {
    let cancel: (() => void) | undefined
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      cancel?.()
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
    cancel = subscriber.onceEnded(done)
  })
}

/** Writes `start` to `res`: a refusal, a "retry later", or the whole stream until it ends. */
export async function writeNodeStream(req: IncomingMessage, res: FlushableResponse, start: StreamStart): Promise<void> {
  if (start.kind === 'refuse') {
    res.writeHead(start.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(start.body)
    return
  }
  const headers = sseHeaders(req.httpVersionMajor < 2)
  if (start.kind === 'retry-later') {
    res.writeHead(200, headers)
    res.end(retryFrame(start.retryMs))
    return
  }
  const { subscriber } = start
  res.on('close', () => subscriber.end('closed'))
  res.on('error', () => subscriber.end('closed'))
  if (res.destroyed) {
    subscriber.end('closed')
    return
  }
  res.writeHead(200, headers)
  await pump(res, subscriber, start.prelude)
  if (!res.destroyed && !res.writableEnded) {
    res.end(farewellFrame(subscriber.endReason === 'shutdown', start.retryMs))
  }
}

async function pump(res: FlushableResponse, subscriber: Subscriber, prelude: Uint8Array): Promise<void> {
  let chunk: Uint8Array | undefined = prelude
  while (chunk) {
    if (res.destroyed) return
    const writable = res.write(chunk)
    res.flush?.()
    if (!writable) await drained(res, subscriber)
    const items = await subscriber.next()
    chunk = items === null ? undefined : items.length === 0 ? HEARTBEAT_FRAME : concatFrames(items.map((d) => d.frame))
  }
}
