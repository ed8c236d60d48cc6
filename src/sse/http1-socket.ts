/**
 * A fast path for plain HTTP/1.1 responses: each write goes straight to the socket as one HTTP/1.1
 * chunk (`<size>\r\n<bytes>\r\n`), instead of through `res.write`, which writes four pieces under a
 * cork and keeps more books per call (measured: BENCHMARKS.md, issue 19). Bytes written to more
 * than one socket (a batch's shared frames, on every stream's write or drain) are framed as one
 * chunk on their second write, and later writes of them reuse it; bytes written once (a stream's
 * own frames) go out as three pieces under one cork, never copied. A chunk is held weakly (but the
 * one written last): it lives while some socket still buffers it, so a batch queued for a stalled
 * stream keeps its frames once.
 *
 * It reads Node's private `chunkedEncoding` and steps aside whenever a middleware wraps
 * `res.write` or buffers (a `flush()`): `node.ts` then writes through `res.write`.
 * @module
 */
import { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

const plainWrite = ServerResponse.prototype.write
const CRLF = Buffer.from('\r\n', 'latin1')

/** For bytes written before: their chunk, held weakly (`null` until they are written a second time, or after it was collected). */
const chunks = new WeakMap<Uint8Array, WeakRef<Uint8Array> | null>()
/** The chunk written last, held strongly: a fan-out writes the same one to every stream in a row. */
let last: { bytes: Uint8Array; chunk: Uint8Array } | undefined

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
  if (last?.bytes === bytes) return socket.write(last.chunk)
  const known = chunks.get(bytes)
  let chunk = known?.deref()
  if (!chunk && known === undefined) {
    chunks.set(bytes, null)
    socket.cork()
    socket.write(`${bytes.byteLength.toString(16)}\r\n`, 'latin1')
    socket.write(bytes)
    const writable = socket.write(CRLF)
    socket.uncork()
    return writable
  }
  if (!chunk) {
    chunk = chunkOf(bytes)
    chunks.set(bytes, new WeakRef(chunk))
  }
  last = { bytes, chunk }
  return socket.write(chunk)
}
