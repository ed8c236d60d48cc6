/**
 * What the store says about one stream, in at most three cheap queries (head, resume check, last
 * event): none, gone (pruned by retention), or there, ended or not, and when it was last heard of.
 * @module
 */
import type { EventStore } from '../store.js'
import { idBefore, startIdOf, TERMINAL } from './stream-log.js'

/** A stream's state in the store. */
export type StreamState =
  | {
      /** No event was ever appended to the stream's topic. */
      kind: 'none'
      /** The id before the topic's first event. */
      startId: string
    }
  | {
      /** The stream existed, but retention deleted (some of) it: it cannot be replayed. */
      kind: 'gone'
    }
  | {
      /** The stream can be replayed. */
      kind: 'exists'
      /** The id before the topic's first event. */
      startId: string
      /** Whether its last event is a terminal marker. */
      ended: boolean
      /** When its last event was appended, in ms since the epoch (the store's clock). */
      lastAt: number
    }

/** Reads the state of `topic`. */
export async function readState(store: EventStore, topic: string): Promise<StreamState> {
  const head = (await store.heads([topic])).get(topic) as string
  const startId = startIdOf(head)
  if (head === startId) return { kind: 'none', startId }
  if (!(await store.checkResume(topic, startId)).ok) return { kind: 'gone' }
  const [last] = (await store.readAfter([{ topic, after: idBefore(head) }], 1)).get(topic) ?? []
  if (!last) return { kind: 'gone' }
  return { kind: 'exists', startId, ended: TERMINAL.has(last.type), lastAt: Date.parse(last.createdAt) }
}

/**
 * Whether nothing more will come: the stream ended, or its producer has been silent for longer than
 * `producerTimeoutMs` (it died; the next resumer marks it `abandoned`).
 */
export function isFinished(state: StreamState & { kind: 'exists' }, producerTimeoutMs: number): boolean {
  return state.ended || Date.now() - state.lastAt > producerTimeoutMs
}
