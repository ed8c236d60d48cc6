/**
 * Event types, and the validation every event passes before anything is written.
 * @module
 */
import { InvalidEventError, InvalidTopicError, PayloadTooLargeError } from './errors.js'

/** A map from event type to payload type, declared once and shared by server and client. */
export type EventMap = Record<string, unknown>

/** One event to publish: a topic, a type of the event map and that type's payload. */
export type EventInput<Events extends EventMap = EventMap> = {
  [Type in keyof Events & string]: {
    /** The stream the event belongs to, e.g. a project id. */
    topic: string
    /** The event type, a key of the event map. */
    type: Type
    /** The payload; must be JSON-serialisable. */
    payload: Events[Type]
  }
}[keyof Events & string]

/** An event as subscribers receive it: the `data` of every SSE frame, parsed. */
export interface StoredEvent<Type extends string = string, Payload = unknown> {
  /** Adapter-issued ASCII id; the SSE `id:` and the browser's `Last-Event-ID`. */
  id: string
  /** The stream the event belongs to, e.g. a project id. */
  topic: string
  /** The event type; the SSE `event:` field. */
  type: Type
  /** The JSON payload. */
  payload: Payload
  /** When the store appended it, as an ISO 8601 string. */
  createdAt: string
}

/** A stored event of any type of the event map, typed by its `type`. */
export type EventOf<Events extends EventMap = EventMap> = {
  [Type in keyof Events & string]: StoredEvent<Type, Events[Type]>
}[keyof Events & string]

/** A validated event on its way into a store: the payload already serialised to one line of JSON. */
export interface EventDraft {
  /** The event's topic. */
  topic: string
  /** The event's type. */
  type: string
  /** The payload as JSON text. */
  data: string
  /** The publisher's trace context (W3C `traceparent`), when `publish()` ran with OpenTelemetry; stores keep it with the event. */
  traceContext?: string
}

/** An event as a store holds it: the draft plus its id and append time. */
export interface EventRecord extends EventDraft {
  /** Adapter-issued ASCII id. */
  id: string
  /** Append time, ISO 8601. */
  createdAt: string
}

/** Event types that SSE or durable-sse itself uses, so publishing them is refused. */
export const RESERVED_TYPES: ReadonlySet<string> = new Set(['error', 'open', 'connected', 'reset'])

/** Default largest topic, in characters. */
export const DEFAULT_MAX_TOPIC_LENGTH = 200
/** Default largest event type, in characters. */
export const DEFAULT_MAX_TYPE_LENGTH = 100
/** Default largest serialised payload, in bytes (64 KiB). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 65_536

/** Limits applied by {@link toDraft}. */
export interface EventLimits {
  /** Largest topic, in characters. */
  maxTopicLength: number
  /** Largest type, in characters. */
  maxTypeLength: number
  /** Largest serialised payload, in bytes. */
  maxPayloadBytes: number
}

const UNSAFE_CHARACTER = /[\r\n\0]/

/** Why `value` is not a safe SSE field value of at most `maxLength` characters, or `undefined` when it is. */
function fieldProblem(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string') return 'must be a string'
  if (value.length === 0) return 'must not be empty'
  if (value.length > maxLength) return `must be at most ${maxLength} characters`
  if (UNSAFE_CHARACTER.test(value)) return 'must not contain CR, LF or NUL'
  if (!value.isWellFormed()) return 'must not contain lone surrogates'
  return undefined
}

/** Throws {@link InvalidTopicError} unless `topic` is a non-empty string without CR, LF or NUL. */
export function assertTopic(topic: unknown, maxLength = DEFAULT_MAX_TOPIC_LENGTH): asserts topic is string {
  const problem = fieldProblem(topic, maxLength)
  if (problem) throw new InvalidTopicError(`topic ${problem}`)
}

/** Validates one event and serialises its payload; throws a typed error and writes nothing when it is bad. */
export function toDraft(event: unknown, limits: EventLimits): EventDraft {
  if (typeof event !== 'object' || event === null) throw new InvalidEventError('an event must be an object')
  const { topic, type, payload } = event as Record<string, unknown>
  const topicProblem = fieldProblem(topic, limits.maxTopicLength)
  if (topicProblem) throw new InvalidEventError(`topic ${topicProblem}`)
  const typeProblem = fieldProblem(type, limits.maxTypeLength)
  if (typeProblem) throw new InvalidEventError(`type ${typeProblem}`)
  if (RESERVED_TYPES.has(type as string)) throw new InvalidEventError(`type ${JSON.stringify(type)} is reserved`)
  let data: string | undefined
  try {
    data = JSON.stringify(payload)
  } catch (cause) {
    throw new InvalidEventError('payload is not JSON-serialisable', { cause })
  }
  if (data === undefined) throw new InvalidEventError('payload is not JSON-serialisable')
  const bytes = Buffer.byteLength(data)
  if (bytes > limits.maxPayloadBytes) throw new PayloadTooLargeError(bytes, limits.maxPayloadBytes)
  return { topic: topic as string, type: type as string, data }
}

/** Turns a stored record into the event subscribers see (parses the payload). */
export function toStoredEvent(record: EventRecord): StoredEvent {
  return {
    id: record.id,
    topic: record.topic,
    type: record.type,
    payload: JSON.parse(record.data),
    createdAt: record.createdAt,
  }
}
