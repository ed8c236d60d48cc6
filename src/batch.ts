/**
 * A batch: consecutive events of one topic, the fan-out unit. Its bytes are encoded once, on
 * first use, and shared by every stream that takes it: whole frames for one-topic streams, and
 * the `event:`/`data:` part of each frame for streams over several topics, which add only their
 * own `id:` lines.
 * @module
 */
import type { StreamCursor } from './cursor.js'
import type { EventRecord } from './event.js'
import { encodeFrames, eventBody, eventFrame, idTail } from './frame.js'

/** The `event:`/`data:` bytes of every event of a batch, and where each one ends. */
interface Bodies {
  bytes: Uint8Array
  ends: number[]
}

/** Consecutive events of one topic whose bytes are encoded once, on first use, for every stream. */
export class Batch {
  /** The topic. */
  readonly topic: string
  /** The events, oldest first. */
  readonly records: readonly EventRecord[]
  /** The id of the last event read, corrupt ones included (the position after the batch). */
  readonly lastId: string
  private frames: Uint8Array | undefined
  private bodies: Bodies | undefined

  /** `lastId` defaults to the last record's id; it is later when corrupt events after it were left out. */
  constructor(topic: string, records: readonly EventRecord[], lastId = (records[records.length - 1] as EventRecord).id) {
    this.topic = topic
    this.records = records
    this.lastId = lastId
  }

  /** Number of events. */
  get size(): number {
    return this.records.length
  }

  /** Every frame of the batch, each with its event's own id: what a one-topic stream writes. */
  get bytes(): Uint8Array {
    this.frames ??= encodeFrames(this.records.map(eventFrame).join(''))
    return this.frames
  }

  /**
   * The frames for a stream over several topics, whose positions are `cursor` and for which this
   * batch's topic is topic `index`: the shared `event:`/`data:` bytes of each event, each followed
   * by the stream's cursor after it. Moves `cursor` past the batch. Transports call
   * `connection.framesOf(batch)`, which calls this.
   * @internal
   */
  framesFor(cursor: StreamCursor, index: number): Uint8Array {
    const bodies = this.bodyBytes()
    const tails: string[] = new Array(this.records.length)
    let length = bodies.bytes.byteLength
    let { prefix, suffix } = cursor.around(index)
    for (let i = 0; i < this.records.length; i++) {
      const id = (this.records[i] as EventRecord).id
      const rest = cursor.restOf(id)
      cursor.set(index, id)
      let streamId: string
      if (rest === undefined) {
        streamId = cursor.text() // an id without the shared prefix: the cursor is rebuilt around it
        ;({ prefix, suffix } = cursor.around(index))
      } else streamId = prefix + rest + suffix
      const tail = idTail(streamId)
      tails[i] = tail
      length += tail.length
    }
    const out = Buffer.allocUnsafe(length)
    let offset = 0
    let start = 0
    for (let i = 0; i < tails.length; i++) {
      const end = bodies.ends[i] as number
      out.set(bodies.bytes.subarray(start, end), offset)
      offset += end - start
      start = end
      offset += out.write(tails[i] as string, offset, 'latin1')
    }
    return out
  }

  /** The batch from event `index` on (the same batch when `index` is 0). */
  from(index: number): Batch {
    return index === 0 ? this : new Batch(this.topic, this.records.slice(index), this.lastId)
  }

  private bodyBytes(): Bodies {
    if (!this.bodies) {
      const texts = this.records.map(eventBody)
      const ends: number[] = new Array(texts.length)
      let end = 0
      for (let i = 0; i < texts.length; i++) {
        end += Buffer.byteLength(texts[i] as string)
        ends[i] = end
      }
      this.bodies = { bytes: encodeFrames(texts.join('')), ends }
    }
    return this.bodies
  }
}
