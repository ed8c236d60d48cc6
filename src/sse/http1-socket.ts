/**
 * A fast path for plain HTTP/1.1 responses: each write goes straight to the socket as one HTTP/1.1
 * chunk (`<size>\r\n<bytes>\r\n`), instead of through `res.write`, which writes four pieces under a
 * cork and keeps more books per call (measured: BENCHMARKS.md, issue 19). Bytes written to several
 * sockets in one fan-out (a batch's shared frames) are framed as one chunk on their second write,
 * and every later socket gets that chunk; other bytes go out as three pieces under one cork, never
 * copied. Nothing is kept once the fan-out is over (a microtask later), so a batch queued for a
 * stalled stream holds its frames once.
 *
 * It reads Node's private `chunkedEncoding` and steps aside whenever a middleware wraps
 * `res.write` or buffers (a `flush()`): `node.ts` then writes through `res.write`.
 * @module
 */
import { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

const plainWrite = ServerResponse.prototype.write
const CRLF = Buffer.from('\r\n', 'latin1')

/** Bytes written once in the current fan-out, and the chunk made of bytes written more than once. */
let writtenOnce: Uint8Array | undefined
let shared: { bytes: Uint8Array; chunk: Uint8Array } | undefined
let forgetting = false

/** Forgets the bytes and chunk above once the current fan-out (a synchronous loop) is over. */
function forgetAfterFanOut(): void {
  if (forgetting) return
  forgetting = true
  queueMicrotask(() => {
    writtenOnce = shared = undefined
    forgetting = false
  })
}

/** `bytes` framed as one HTTP/1.1 chunk. */
function chunkOf(bytes: Uint8Array): Uint8Array {
  const head = `${bytes.byteLength.toString(16)}\r\n`
  const chunk = Buffer.allocUnsafe(head.length + bytes.byteLength + CRLF.length)
  chunk.write(head, 0, 'latin1')
  chunk.set(bytes, head.length)
  chunk.set(CRLF, head.length + bytes.byteLength)
  return chunk
}

/** The socket to write chunks to, when `res` (headers sent) is a plain HTTP/1.1 chunked response nothing wraps. */
export function chunkSocket(
  httpVersionMajor: number,
  res: { readonly socket: Socket | null; write: unknown; flush?: unknown },
): Socket | undefined {
  const { socket } = res
  const chunked = (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true
  const wrapped = res.write !== plainWrite || typeof res.flush === 'function'
  return httpVersionMajor === 1 && chunked && !wrapped && socket?.writable ? socket : undefined
}

/** Writes `bytes` to `socket` as one HTTP/1.1 chunk; false when the socket must drain first. */
export function writeChunk(socket: Socket, bytes: Uint8Array): boolean {
  if (shared?.bytes === bytes) return socket.write(shared.chunk)
  forgetAfterFanOut()
  if (writtenOnce === bytes) {
    shared = { bytes, chunk: chunkOf(bytes) }
    return socket.write(shared.chunk)
  }
  writtenOnce = bytes
  socket.cork()
  socket.write(`${bytes.byteLength.toString(16)}\r\n`, 'latin1')
  socket.write(bytes)
  const writable = socket.write(CRLF)
  socket.uncork()
  return writable
}
