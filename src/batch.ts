/**
 * A batch: consecutive events of one topic, the fan-out unit. Its bytes are encoded once, on
 * first use, and shared by every stream that takes it: whole frames for one-topic streams, and
 * the `event:`/`data:` part of each frame for streams over several topics, which add only their
 * own `id:` lines.
 * @module
 */
import { type CursorAround, restAfter, type StreamCursor } from './cursor.js'
import type { EventRecord } from './event.js'
import { encodeFrames, eventBody, eventFrame, idTail } from './frame.js'

/**
 * What a transport writes before and after a stream's frames of a batch, given their length in
 * bytes (an HTTP/1.1 chunk's `<size>\r\n` and `\r\n`), so they go out as one buffer; ASCII.
 */
export type Envelope = (length: number) => readonly [head: string, tail: string]

const NO_ENVELOPE = ['', ''] as const
/** Most distinct cursor texts whose frames one batch keeps for the streams that share them. */
const MAX_SHARED_FRAMES = 64

/** Each event's id after a cursor's shared prefix, escaped. */
interface Rests {
  /** The prefix they follow. */
  shared: string
  /** One per event. */
  texts: string[]
  /** Their total length. */
  length: number
}

/** The `event:`/`data:` bytes of every event of a batch, and a view of each one. */
interface Bodies {
  bytes: Uint8Array
  views: Uint8Array[]
}

/** Writes ASCII `text` into `out` at `offset` (short texts: cheaper than a native call); returns the offset after it. */
function writeAscii(out: Uint8Array, offset: number, text: string): number {
  for (let k = 0; k < text.length; k++) out[offset++] = text.charCodeAt(k)
  return offset
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
  /** {@link Batch.framesIn}'s buffer, for the one envelope it was built with ({@link Batch.frames} is a view into it). */
  private enveloped: { envelope: Envelope; bytes: Uint8Array } | undefined
  private bodies: Bodies | undefined
  private rests: Rests | undefined
  /** Frames built for streams over several topics, by envelope and cursor text; `built` is the envelope asked for last. */
  private builtBy: Map<Envelope | undefined, Map<string, Uint8Array>> | undefined
  private built: { envelope: Envelope | undefined; frames: Map<string, Uint8Array> } | undefined

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
    this.frames ??= encodeFrames(this.frameText())
    return this.frames
  }

  /**
   * {@link Batch.bytes} inside `envelope`, in one buffer built once for every stream that asks with
   * the same envelope (a transport keeps one: an HTTP/1.1 chunk's size line and CRLF). Built first,
   * it also holds {@link Batch.bytes}, so a batch queued for a slow stream keeps its frames once.
   */
  framesIn(envelope: Envelope): Uint8Array {
    if (this.enveloped?.envelope === envelope) return this.enveloped.bytes
    const frames = this.frames
    const text = frames === undefined ? this.frameText() : undefined
    const length = frames?.byteLength ?? Buffer.byteLength(text as string)
    const [head, tail] = envelope(length)
    const out = Buffer.allocUnsafe(head.length + length + tail.length)
    writeAscii(out, 0, head)
    if (frames) out.set(frames, head.length)
    else {
      out.write(text as string, head.length)
      this.frames = out.subarray(head.length, head.length + length)
    }
    writeAscii(out, head.length + length, tail)
    this.enveloped = { envelope, bytes: out }
    return out
  }

  /**
   * The frames for a stream over several topics, whose positions are `cursor` and for which this
   * batch's topic is topic `index`: the shared `event:`/`data:` bytes of each event, each followed
   * by the stream's cursor after it, in one buffer, between the `envelope` a transport asks for
   * (such as an HTTP/1.1 chunk's size line and CRLF). Moves `cursor` past the batch. Transports
   * call `connection.framesOf(batch)`, which calls this.
   * @internal
   */
  framesFor(cursor: StreamCursor, index: number, envelope?: Envelope): Uint8Array {
    const rests = this.restsAfter(cursor.sharedPrefix)
    if (!rests) return this.framesAroundNewIds(cursor, index, envelope)
    const around = cursor.around(index)
    const last = (this.records[this.records.length - 1] as EventRecord).id
    // Streams at the same positions in the same topics write the same bytes: built once for all of them.
    const shared = this.sharedFrames(envelope)
    let out = shared.get(around.key)
    if (!out) {
      out = this.build(around, rests, envelope)
      if (shared.size < MAX_SHARED_FRAMES) shared.set(around.key, out)
    }
    cursor.set(index, last)
    return out
  }

  /** The batch from event `index` on (the same batch when `index` is 0). */
  from(index: number): Batch {
    return index === 0 ? this : new Batch(this.topic, this.records.slice(index), this.lastId)
  }

  /** The frames of a stream over several topics whose cursor text around this topic is `around`. */
  private build(around: CursorAround, rests: Rests, envelope: Envelope | undefined): Uint8Array {
    const bodies = this.bodyBytes()
    const { lineHead, lineTail } = around
    const length = bodies.bytes.byteLength + rests.length + this.records.length * (lineHead.length + lineTail.length)
    const [head, tail] = envelope?.(length) ?? NO_ENVELOPE
    const out = Buffer.allocUnsafe(head.length + length + tail.length)
    let offset = writeAscii(out, 0, head)
    for (let i = 0; i < this.records.length; i++) {
      const body = bodies.views[i] as Uint8Array
      out.set(body, offset)
      offset += body.byteLength
      out.set(lineHead, offset)
      offset = writeAscii(out, offset + lineHead.length, rests.texts[i] as string)
      out.set(lineTail, offset)
      offset += lineTail.length
    }
    writeAscii(out, offset, tail)
    return out
  }

  /** Each event's id after `shared` (escaped for a cursor), computed once per batch; `undefined` when one lacks it. */
  private restsAfter(shared: string): Rests | undefined {
    if (this.rests?.shared !== shared) {
      const texts: string[] = []
      let length = 0
      for (const record of this.records) {
        const rest = restAfter(record.id, shared)
        if (rest === undefined) return undefined
        texts.push(rest)
        length += rest.length
      }
      this.rests = { shared, texts, length }
    }
    return this.rests
  }

  /** The frames already built for streams over several topics, by envelope and cursor text. */
  private sharedFrames(envelope: Envelope | undefined): Map<string, Uint8Array> {
    if (this.built && this.built.envelope === envelope) return this.built.frames
    this.builtBy ??= new Map()
    let frames = this.builtBy.get(envelope)
    if (!frames) {
      frames = new Map()
      this.builtBy.set(envelope, frames)
    }
    this.built = { envelope, frames }
    return frames
  }

  /** {@link Batch.framesFor} when an id does not share the cursor's prefix (another epoch): the cursor is rebuilt around it. */
  private framesAroundNewIds(cursor: StreamCursor, index: number, envelope: Envelope | undefined): Uint8Array {
    const texts = this.records.map((record) => {
      cursor.set(index, record.id)
      return eventBody(record) + idTail(cursor.text())
    })
    const text = texts.join('')
    const [head, tail] = envelope?.(Buffer.byteLength(text)) ?? NO_ENVELOPE
    return encodeFrames(head + text + tail)
  }

  private frameText(): string {
    return this.records.map(eventFrame).join('')
  }

  private bodyBytes(): Bodies {
    if (!this.bodies) {
      const texts = this.records.map(eventBody)
      const bytes = encodeFrames(texts.join(''))
      const views: Uint8Array[] = new Array(texts.length)
      let start = 0
      for (let i = 0; i < texts.length; i++) {
        const end = start + Buffer.byteLength(texts[i] as string)
        views[i] = bytes.subarray(start, end)
        start = end
      }
      this.bodies = { bytes, views }
    }
    return this.bodies
  }
}
