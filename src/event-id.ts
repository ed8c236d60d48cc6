/**
 * The `epoch.seq` event ids the bundled stores issue: `seq` orders a topic (never compared as
 * text), and `epoch` is random per database, so ids of a re-created database are recognised as
 * foreign. A custom store may use them too, or ids of its own.
 * @module
 */
import type { ResumeCheck } from './store.js'

const EVENT_ID = /^([0-9a-z]{1,16})\.(0|[1-9][0-9]{0,15})$/

/** A store's id split in two: the per-database epoch and the position in the topic. */
export interface ParsedEventId {
  /** Random per database, so ids of a re-created database are recognised as foreign. */
  epoch: string
  /** Position; never compared as text. */
  seq: number
}

/** Formats the `epoch.seq` ids that the bundled adapters issue (`seq` 0 is a topic's start id). */
export function formatEventId(epoch: string, seq: number | bigint | string): string {
  return `${epoch}.${seq}`
}

/** Parses an `epoch.seq` id, or returns `undefined` when it is malformed. */
export function parseEventId(id: string): ParsedEventId | undefined {
  const match = EVENT_ID.exec(id)
  if (!match) return undefined
  const seq = Number(match[2])
  return Number.isSafeInteger(seq) ? { epoch: match[1] as string, seq } : undefined
}

/** A fresh random epoch for a new database: 8 lowercase base-36 characters. */
export function newEpoch(): string {
  let epoch = ''
  while (epoch.length < 8) epoch += Math.floor(Math.random() * 36).toString(36)
  return epoch
}

/** Whether `id` has the `epoch.seq` syntax (a store's `isValidId` when it issues such ids). */
export function isEventId(id: string): boolean {
  return parseEventId(id) !== undefined
}

/** The position of `id` when it is an `epoch.seq` id of `epoch`, else `undefined` (foreign or malformed). */
export function ownSeq(id: string, epoch: string): number | undefined {
  const parsed = parseEventId(id)
  return parsed?.epoch === epoch ? parsed.seq : undefined
}

/** Decides whether `topic` can resume after `seq`, given its head and how far it was pruned. */
export function resumeCheck(seq: number, head: number, prunedThrough: number): ResumeCheck {
  if (seq > head) return { ok: false, reason: 'ahead' }
  if (seq < prunedThrough) return { ok: false, reason: 'pruned' }
  return { ok: true }
}
