/**
 * A batch: consecutive events of one topic, the fan-out unit. It keeps the bytes `frame.ts` makes
 * of its events, made on first use and shared by every stream that writes it: whole frames for
 * one-topic streams; for streams over several topics, the `event:`/`data:` bytes and, per distinct
 * cursor text, the frames with that cursor as their `id:` lines.
 * @module
 */
import { restAfter } from './cursor.js'
import { type EventRecord, type StoredEvent, toStoredEvent } from './event.js'
import { cursorFrames, type EventBodies, encodeFrames, eventBodies, eventFrame, type IdLine } from './frame.js'

/** Most distinct cursor texts whose frames one batch keeps for the streams that share them. */
const MAX_SHARED_FRAMES = 64
/** Most distinct filtered subsets one batch keeps for the streams whose filters let the same events through. */
const MAX_SHARED_SUBSETS = 64

/** Each event's id after a cursor's shared prefix, escaped. */
interface Rests {
  /** The prefix they follow. */
  shared: string
  /** One per event. */
  texts: string[]
  /** Their total length. */
  length: number
}

/** Consecutive events of one topic whose bytes are made once, on first use, for every stream. */
export class Batch {
  /** The topic. */
  readonly topic: string
  /** The events, oldest first. */
  readonly records: readonly EventRecord[]
  /** The id of the last event read, corrupt ones included (the position after the batch). */
  readonly lastId: string
  private ownFrames: Uint8Array | undefined
  private bodies: EventBodies | undefined
  private rests: Rests | undefined
  /** Frames made for streams over several topics, by cursor text (`IdLine.key`). */
  private framesByCursor: Map<string, Uint8Array> | undefined
  private storedEvents: StoredEvent[] | undefined
  /** Subsets made for filtered streams, by which events they keep (`subset`'s mask). */
  private subsets: Map<string, Batch> | undefined

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
  frames(): Uint8Array {
    this.ownFrames ??= encodeFrames(this.records.map(eventFrame).join(''))
    return this.ownFrames
  }

  /**
   * The frames for a stream over several topics whose cursor, around this batch's topic, is `line`
   * and whose ids share the prefix `shared`: each event's shared `event:`/`data:` bytes, then the
   * cursor with this topic at that event. Streams with the same cursor text get the same buffer.
   * `undefined` when an event's id does not start with `shared` (another epoch).
   */
  framesAround(shared: string, line: IdLine): Uint8Array | undefined {
    const rests = this.restsAfter(shared)
    if (!rests) return undefined
    this.framesByCursor ??= new Map()
    let out = this.framesByCursor.get(line.key)
    if (!out) {
      this.bodies ??= eventBodies(this.records)
      out = cursorFrames(this.bodies, rests.texts, rests.length, line)
      if (this.framesByCursor.size < MAX_SHARED_FRAMES) this.framesByCursor.set(line.key, out)
    }
    return out
  }

  /** The events as filters see them, parsed once per batch and shared by every connection's filter. */
  events(): readonly StoredEvent[] {
    this.storedEvents ??= this.records.map(toStoredEvent)
    return this.storedEvents
  }

  /**
   * The batch of the events whose `mask` character is `'1'`, ending at the same position
   * (`lastId`), so a connection moves past the events left out. Streams whose filters keep the
   * same events share it, and with it its frames.
   */
  subset(mask: string): Batch {
    this.subsets ??= new Map()
    let subset = this.subsets.get(mask)
    if (!subset) {
      subset = new Batch(
        this.topic,
        this.records.filter((_, i) => mask.charCodeAt(i) === 49),
        this.lastId,
      )
      if (this.subsets.size < MAX_SHARED_SUBSETS) this.subsets.set(mask, subset)
    }
    return subset
  }

  /** The batch from event `index` on (the same batch when `index` is 0). */
  from(index: number): Batch {
    return index === 0 ? this : new Batch(this.topic, this.records.slice(index), this.lastId)
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
}
