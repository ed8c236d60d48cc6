/**
 * An `EventStore` over one plain JSON file, written the way an outsider would write an adapter:
 * only against the public contract (imported here from `src/index.js`, as an app imports it from
 * `durable-sse`), with its own id format (`<epoch>:<seq>`), proven by `durable-sse/testing`.
 *
 * Every operation reads the file, and every write replaces it atomically (write a temporary file,
 * then rename), one operation at a time per store. Single process only; it is a test fixture, not
 * a production store.
 */
import { randomBytes } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import type { EventDraft, EventRecord, EventStore, ResumeCheck, TopicCursor } from '../../src/index.js'

/** What the file holds. */
interface FileState {
  /** Random per file: ids of another file are foreign. */
  epoch: string
  /** Per topic: the last position handed out, how far retention deleted, and the events still kept. */
  topics: Record<string, { head: number; prunedThrough: number; events: StoredRow[] }>
}

interface StoredRow {
  seq: number
  type: string
  data: string
  createdAt: string
}

const ID = /^([0-9a-f]{8}):(0|[1-9][0-9]{0,14})$/

/** Options of {@link jsonFileStore}. */
export interface JsonFileStoreOptions {
  /** The JSON file; created on first use. */
  filename: string
}

/**
 * Creates a store over a JSON file.
 * @example
 * const store = jsonFileStore({ filename: 'events.json' })
 */
export function jsonFileStore({ filename }: JsonFileStoreOptions): EventStore {
  let queue: Promise<unknown> = Promise.resolve()
  let closed = false

  /** Runs `operation` after every earlier one (reads included), so the file is never read half-written by us. */
  const serial = <T>(operation: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('jsonFileStore: the store is closed'))
    const result = queue.then(operation)
    queue = result.catch(() => undefined)
    return result
  }

  const load = async (): Promise<FileState> => {
    try {
      return JSON.parse(await readFile(filename, 'utf8')) as FileState
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      const fresh: FileState = { epoch: randomBytes(4).toString('hex'), topics: {} }
      await save(fresh)
      return fresh
    }
  }
  const save = async (state: FileState): Promise<void> => {
    const temporary = `${filename}.${process.pid}.tmp`
    await writeFile(temporary, JSON.stringify(state))
    await rename(temporary, filename)
  }
  const idOf = (state: FileState, seq: number): string => `${state.epoch}:${seq}`
  const seqOf = (state: FileState, id: string): number | undefined => {
    const match = ID.exec(id)
    return match && match[1] === state.epoch ? Number(match[2]) : undefined
  }
  const recordOf = (state: FileState, topic: string, row: StoredRow): EventRecord => ({
    id: idOf(state, row.seq),
    topic,
    type: row.type,
    data: row.data,
    createdAt: row.createdAt,
  })

  return {
    append(drafts: readonly EventDraft[], options?: { transaction?: unknown }): Promise<EventRecord[]> {
      return serial(async () => {
        if (options?.transaction !== undefined) throw new TypeError('jsonFileStore has no transactions')
        for (const draft of drafts) {
          if (typeof draft.topic !== 'string' || typeof draft.type !== 'string' || typeof draft.data !== 'string') {
            throw new TypeError('jsonFileStore: topic, type and data must be strings') // before anything is written
          }
        }
        if (drafts.length === 0) return []
        const state = await load()
        const createdAt = new Date().toISOString()
        const records = drafts.map((draft) => {
          state.topics[draft.topic] ??= { head: 0, prunedThrough: 0, events: [] }
          const log = state.topics[draft.topic] as FileState['topics'][string]
          const row: StoredRow = { seq: ++log.head, type: draft.type, data: draft.data, createdAt }
          log.events.push(row)
          return recordOf(state, draft.topic, row)
        })
        await save(state) // one rename: all of the call's events appear at once, or none
        return records
      })
    },

    readAfter(cursors: readonly TopicCursor[], limit: number): Promise<Map<string, EventRecord[]>> {
      return serial(async () => {
        const state = await load()
        const result = new Map<string, EventRecord[]>()
        for (const { topic, after } of cursors) {
          const log = state.topics[topic]
          const from = seqOf(state, after) ?? 0
          const rows = log?.events.filter((row) => row.seq > from).slice(0, limit) ?? []
          if (rows.length > 0)
            result.set(
              topic,
              rows.map((row) => recordOf(state, topic, row)),
            )
        }
        return result
      })
    },

    heads(topics: readonly string[]): Promise<Map<string, string>> {
      return serial(async () => {
        const state = await load()
        return new Map(topics.map((topic) => [topic, idOf(state, state.topics[topic]?.head ?? 0)]))
      })
    },

    checkResume(topic: string, id: string): Promise<ResumeCheck> {
      return serial(async () => {
        const state = await load()
        const seq = seqOf(state, id)
        if (seq === undefined) return { ok: false, reason: 'foreign' }
        const log = state.topics[topic]
        if (seq > (log?.head ?? 0)) return { ok: false, reason: 'ahead' }
        if (seq < (log?.prunedThrough ?? 0)) return { ok: false, reason: 'pruned' }
        return { ok: true }
      })
    },

    isValidId(id: string): boolean {
      return ID.test(id)
    },

    deleteBefore(date: Date): Promise<number> {
      return serial(async () => {
        const state = await load()
        const cutoff = date.toISOString()
        let deleted = 0
        for (const log of Object.values(state.topics)) {
          let count = 0
          while (count < log.events.length && (log.events[count] as StoredRow).createdAt < cutoff) count++
          if (count === 0) continue
          log.prunedThrough = Math.max(log.prunedThrough, (log.events[count - 1] as StoredRow).seq)
          log.events.splice(0, count)
          deleted += count
        }
        if (deleted > 0) await save(state)
        return deleted
      })
    },

    async close(): Promise<void> {
      closed = true
      await queue
    },
  }
}
