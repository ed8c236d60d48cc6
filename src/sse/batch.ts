/**
 * A batch: consecutive events of one topic, framed once and written as one chunk to every
 * subscriber that takes it (the fan-out unit).
 * @module
 */
import type { EventRecord } from '../event.js'
import { encodeFrames, eventFrame } from './frame.js'

const encoder = new TextEncoder()

/** Frames `bytes` as one HTTP/1.1 chunk (`<size in hex>\r\n<bytes>\r\n`) for writing straight to a socket. */
export function httpChunk(bytes: Uint8Array): Uint8Array {
  const head = encoder.encode(`${bytes.byteLength.toString(16)}\r\n`)
  const chunk = new Uint8Array(head.byteLength + bytes.byteLength + 2)
  chunk.set(head, 0)
  chunk.set(bytes, head.byteLength)
  chunk.set([13, 10], head.byteLength + bytes.byteLength)
  return chunk
}

/** Consecutive events of one topic whose bytes are encoded once, on first use, for every subscriber. */
export class Batch {
  /** The events, oldest first. */
  readonly records: readonly EventRecord[]
  /** The id of the last event read, corrupt ones included (the position after the batch). */
  readonly lastId: string
  private chunked: Uint8Array | undefined
  private bytes: Uint8Array | undefined

  /** `lastId` defaults to the last record's id; it is later when corrupt events after it were left out. */
  constructor(records: readonly EventRecord[], lastId = (records[records.length - 1] as EventRecord).id) {
    this.records = records
    this.lastId = lastId
  }

  /** Number of events. */
  get size(): number {
    return this.records.length
  }

  /** Every frame of the batch as one chunk of UTF-8 (a view into {@link Batch.httpChunk}: the bytes exist once). */
  get chunk(): Uint8Array {
    if (!this.bytes) {
      const chunked = this.httpChunk
      this.bytes = chunked.subarray(chunked.indexOf(10) + 1, chunked.byteLength - 2)
    }
    return this.bytes
  }

  /** The frames framed as one HTTP/1.1 chunk. */
  get httpChunk(): Uint8Array {
    this.chunked ??= httpChunk(encodeFrames(this.records.map(eventFrame).join('')))
    return this.chunked
  }

  /** The batch from event `index` on (the same batch when `index` is 0). */
  from(index: number): Batch {
    return index === 0 ? this : new Batch(this.records.slice(index), this.lastId)
  }
}
