/**
 * A fast path for plain HTTP/1.1 responses: each write goes straight to the socket as one
 * pre-framed HTTP/1.1 chunk (`<size>\r\n<bytes>\r\n`), instead of `res.write`'s four pieces and
 * cork. The chunk of the bytes written last is kept, so every stream of one fan-out writes the same
 * chunk, built once; nothing older is kept (a stalled stream's queue holds frames only once).
 * It reads Node's private `chunkedEncoding`, and steps aside whenever a middleware wraps `res.write`.
 * @module
 */
import { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

const plainWrite = ServerResponse.prototype.write

/** The last chunk made, and the bytes it frames. */
let last: { bytes: Uint8Array; chunk: Uint8Array } | undefined

/** The socket to write chunks to, when `res` is a plain HTTP/1.1 chunked response (headers sent). */
export function chunkSocket(
  httpVersionMajor: number,
  res: { socket: Socket | null; write: unknown; flush?: unknown },
): Socket | undefined {
  const { socket } = res
  const chunked = (res as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true
  const wrapped = res.write !== plainWrite || typeof res.flush === 'function'
  return httpVersionMajor === 1 && chunked && !wrapped && socket?.writable ? socket : undefined
}

/** `bytes` as one HTTP/1.1 chunk. */
export function chunkOf(bytes: Uint8Array): Uint8Array {
  if (last?.bytes === bytes) return last.chunk
  const head = `${bytes.byteLength.toString(16)}\r\n`
  const chunk = Buffer.allocUnsafe(head.length + bytes.byteLength + 2)
  chunk.write(head, 0, 'latin1')
  chunk.set(bytes, head.length)
  chunk[chunk.length - 2] = 13
  chunk[chunk.length - 1] = 10
  last = { bytes, chunk }
  return chunk
}
