/**
 * A batch: consecutive events of one topic, framed once and written as one chunk to every
 * subscriber that takes it (the fan-out unit).
 * @module
 */
import { type Delivery, encodeFrames } from './frame.js'

const encoder = new TextEncoder()
const CRLF = encoder.encode('\r\n')

/** Frames `bytes` as one HTTP/1.1 chunk (`<size in hex>\r\n<bytes>\r\n`) for writing straight to a socket. */
export function httpChunk(bytes: Uint8Array): Uint8Array {
  const head = encoder.encode(`${bytes.byteLength.toString(16)}\r\n`)
  const chunk = new Uint8Array(head.byteLength + bytes.byteLength + CRLF.byteLength)
  chunk.set(head, 0)
  chunk.set(bytes, head.byteLength)
  chunk.set(CRLF, head.byteLength + bytes.byteLength)
  return chunk
}

/** Consecutive deliveries of one topic whose bytes are encoded once, on first use, for every subscriber. */
export class Batch {
  /** The events, oldest first. */
  readonly deliveries: readonly Delivery[]
  private bytes: Uint8Array | undefined
  private chunked: Uint8Array | undefined

  constructor(deliveries: readonly Delivery[]) {
    this.deliveries = deliveries
  }

  /** Number of events. */
  get size(): number {
    return this.deliveries.length
  }

  /** The id of the last event. */
  get lastId(): string {
    return (this.deliveries[this.deliveries.length - 1] as Delivery).record.id
  }

  /** Every frame of the batch as one chunk of UTF-8. */
  get chunk(): Uint8Array {
    this.bytes ??= encodeFrames(this.deliveries.map((delivery) => delivery.frame).join(''))
    return this.bytes
  }

  /** {@link Batch.chunk} framed as one HTTP/1.1 chunk. */
  get httpChunk(): Uint8Array {
    this.chunked ??= httpChunk(this.chunk)
    return this.chunked
  }

  /** The batch from event `index` on (the same batch when `index` is 0). */
  from(index: number): Batch {
    return index === 0 ? this : new Batch(this.deliveries.slice(index))
  }
}
