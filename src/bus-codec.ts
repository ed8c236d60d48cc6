/**
 * The bytes of a bus message, shared by the bundled buses: one JSON text per topic,
 * `{"t": topic, "r": [[id, type, data, createdAt, traceContext?], ...]}` for committed events, or
 * `{"t": topic, "h": head}` for a wake-up when the events would not fit in the bus's largest
 * message. What does not decode is ignored (a receiver reads the store at the backstop anyway).
 * @module
 */
import type { BusMessage } from './bus.js'
import type { EventRecord } from './event.js'

/** One topic's message, ready to send. */
export interface EncodedMessage {
  /** The topic (the subject or channel it goes to). */
  topic: string
  /** The message's text. */
  text: string
}

/** Each topic's events of `records` (any topics, commit order within each), in their order. */
export function recordsByTopic(records: readonly EventRecord[]): Map<string, EventRecord[]> {
  const topics = new Map<string, EventRecord[]>()
  for (const record of records) {
    const list = topics.get(record.topic)
    if (list) list.push(record)
    else topics.set(record.topic, [record])
  }
  return topics
}

/** One message per topic of `records`; a topic's events that would exceed `maxBytes` go as a wake-up naming its last id. */
export function encodeMessages(records: readonly EventRecord[], maxBytes: number): EncodedMessage[] {
  const messages: EncodedMessage[] = []
  for (const [topic, events] of recordsByTopic(records)) {
    const rows = events.map((e) =>
      e.traceContext === undefined ? [e.id, e.type, e.data, e.createdAt] : [e.id, e.type, e.data, e.createdAt, e.traceContext],
    )
    const text = JSON.stringify({ t: topic, r: rows })
    const fits = text.length <= maxBytes / 3 || Buffer.byteLength(text) <= maxBytes
    const head = (events[events.length - 1] as EventRecord).id
    messages.push({ topic, text: fits ? text : JSON.stringify({ t: topic, h: head }) })
  }
  return messages
}

const isText = (value: unknown): value is string => typeof value === 'string'

/** The message `text` holds, or `undefined` when it is not one (another program's message, a corrupt one). */
export function decodeMessage(text: string): BusMessage | undefined {
  let value: { t?: unknown; r?: unknown; h?: unknown }
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || !isText(value.t)) return undefined
  const topic = value.t
  if (isText(value.h)) return { topic, head: value.h }
  if (!Array.isArray(value.r)) return undefined
  const records: EventRecord[] = []
  for (const row of value.r) {
    if (!Array.isArray(row) || (row.length !== 4 && row.length !== 5) || !row.every(isText)) return undefined
    const [id, type, data, createdAt, traceContext] = row as string[]
    records.push(
      (traceContext === undefined
        ? { id, topic, type, data, createdAt }
        : { id, topic, type, data, createdAt, traceContext }) as EventRecord,
    )
  }
  return { topic, records }
}
