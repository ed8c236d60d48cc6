/**
 * An in-process `EventStore` for tests, demos and single-process apps that may lose history on
 * restart (a restart changes the epoch, so browsers resuming across it get `reset`).
 * @module
 */
import type { EventDraft, EventRecord } from './event.js'
import { formatEventId, isEventId, newEpoch, ownSeq, parseEventId, resumeCheck } from './event-id.js'
import type { AppendOptions, EventStore, ResumeCheck, TopicChanges, TopicCursor } from './store.js'

/** Most appended events remembered for `changedTopics` (older tokens make the poller read every topic). */
const MAX_REMEMBERED_CHANGES = 100_000
/** Most topics one `changedTopics` answer lists. */
const MAX_LISTED_TOPICS = 1_000

interface TopicLog {
  /** Events still held, oldest first; `events[i]` has seq `firstSeq + i`. */
  events: EventRecord[]
  firstSeq: number
  /** The highest seq deleted by retention (0 when none). */
  prunedThrough: number
}

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Fixed epoch (tests); a random one by default. */
  epoch?: string
}

/**
 * Creates an in-memory store: ids are `epoch.seq` per topic, nothing survives the process.
 * @example
 * const broker = createBroker(memoryStore())
 */
export function memoryStore(options: MemoryStoreOptions = {}): EventStore {
  const epoch = options.epoch ?? newEpoch()
  const topics = new Map<string, TopicLog>()
  /** The topic of every event appended after the first `changesBase` ones, for `changedTopics`. */
  let changes: string[] = []
  let changesBase = 0

  const logOf = (topic: string): TopicLog => {
    let log = topics.get(topic)
    if (!log) {
      log = { events: [], firstSeq: 1, prunedThrough: 0 }
      topics.set(topic, log)
    }
    return log
  }
  const headSeq = (log: TopicLog | undefined): number => (log ? log.firstSeq + log.events.length - 1 : 0)
  const seqOf = (id: string): number => parseEventId(id)?.seq ?? 0

  return {
    async append(drafts: readonly EventDraft[], options?: AppendOptions): Promise<EventRecord[]> {
      if (options?.transaction !== undefined) {
        throw new TypeError('memoryStore does not support publishing inside a transaction')
      }
      const createdAt = new Date().toISOString()
      return drafts.map((draft) => {
        const log = logOf(draft.topic)
        const record: EventRecord = { ...draft, id: formatEventId(epoch, headSeq(log) + 1), createdAt }
        log.events.push(record)
        changes.push(draft.topic)
        if (changes.length > MAX_REMEMBERED_CHANGES) {
          const dropped = Math.floor(changes.length / 2)
          changesBase += dropped
          changes = changes.slice(dropped)
        }
        return record
      })
    },

    async changedTopics(token: string | undefined): Promise<TopicChanges> {
      const next = `${epoch}:${changesBase + changes.length}`
      if (token === undefined) return { topics: [], token: next }
      const [tokenEpoch, count] = token.split(':')
      const since = Number(count) - changesBase
      if (tokenEpoch !== epoch || !(since >= 0)) return { topics: undefined, token: next }
      const changed = new Set(changes.slice(since))
      return { topics: changed.size > MAX_LISTED_TOPICS ? undefined : [...changed], token: next }
    },

    async readAfter(cursors: readonly TopicCursor[], limit: number): Promise<Map<string, EventRecord[]>> {
      const result = new Map<string, EventRecord[]>()
      for (const { topic, after } of cursors) {
        const log = topics.get(topic)
        if (!log) continue
        const start = Math.max(0, seqOf(after) + 1 - log.firstSeq)
        if (start < log.events.length) result.set(topic, log.events.slice(start, start + limit))
      }
      return result
    },

    async heads(topicNames: readonly string[]): Promise<Map<string, string>> {
      return new Map(topicNames.map((topic) => [topic, formatEventId(epoch, headSeq(topics.get(topic)))]))
    },

    async checkResume(topic: string, id: string): Promise<ResumeCheck> {
      const seq = ownSeq(id, epoch)
      if (seq === undefined) return { ok: false, reason: 'foreign' }
      const log = topics.get(topic)
      return resumeCheck(seq, headSeq(log), log?.prunedThrough ?? 0)
    },

    isValidId: isEventId,
    positionOf: parseEventId,

    async deleteBefore(date: Date): Promise<number> {
      const cutoff = date.toISOString()
      let deleted = 0
      for (const log of topics.values()) {
        let count = 0
        while (count < log.events.length && (log.events[count] as EventRecord).createdAt < cutoff) count++
        if (count === 0) continue
        log.events.splice(0, count)
        log.firstSeq += count
        log.prunedThrough = log.firstSeq - 1
        deleted += count
      }
      return deleted
    },

    async close(): Promise<void> {
      topics.clear()
      changes = []
    },
  }
}
