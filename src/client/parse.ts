/**
 * Parsing a frame's `data` into an event, once, without trusting the server.
 * @module
 */
import type { ResetReason } from '../errors.js'
import type { StoredEvent } from '../event.js'
import { InvalidEventDataError } from './errors.js'
import type { ResetDetail } from './types.js'

const RESET_REASONS: ReadonlySet<string> = new Set<ResetReason>(['pruned', 'ahead', 'foreign'])

function parseJson(type: string, data: unknown): Record<string, unknown> {
  if (typeof data !== 'string') throw new InvalidEventDataError(type, data, 'data is not text')
  let value: unknown
  try {
    value = JSON.parse(data)
  } catch (cause) {
    throw new InvalidEventDataError(type, data, 'data is not valid JSON', { cause })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventDataError(type, data, 'data is not a JSON object')
  }
  return value as Record<string, unknown>
}

/** Parses an event frame's `data` (`{id, type, topic, payload, createdAt}`); throws {@link InvalidEventDataError}. */
export function parseEvent(type: string, data: unknown): StoredEvent {
  const value = parseJson(type, data)
  const { id, topic, payload, createdAt } = value
  if (value.type !== type) throw new InvalidEventDataError(type, data, 'its "type" does not match the frame')
  if (typeof id !== 'string' || typeof topic !== 'string' || typeof createdAt !== 'string' || !('payload' in value)) {
    throw new InvalidEventDataError(type, data, 'it lacks id, topic, payload or createdAt')
  }
  return { id, type, topic, payload, createdAt }
}

/**
 * Parses a `reset` frame's `data`: `{reason}`, and on streams over several topics
 * `{reason, topic}` (one reset per topic that could not resume); throws {@link InvalidEventDataError}.
 */
export function parseReset(data: unknown): ResetDetail {
  const { reason, topic } = parseJson('reset', data)
  if (typeof reason !== 'string' || !RESET_REASONS.has(reason)) {
    throw new InvalidEventDataError('reset', data, 'its reason is not pruned, ahead or foreign')
  }
  if (topic !== undefined && typeof topic !== 'string')
    throw new InvalidEventDataError('reset', data, 'its topic is not a string')
  return topic === undefined ? { reason: reason as ResetReason } : { reason: reason as ResetReason, topic }
}
