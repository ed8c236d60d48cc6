/**
 * Deliberately broken `EventStore`s, each with one defect that real adapters have had (most are
 * the memory store with one method changed), for proving that the conformance cases catch them.
 */
import {
  type EventDraft,
  type EventRecord,
  type EventStore,
  formatEventId,
  memoryStore,
  parseEventId,
  type ResumeCheck,
  resumeCheck,
  type TopicCursor,
} from '../../src/index.js'
import type { EventStoreCaseId, EventStoreFixture, StoreCapability } from '../../src/testing/index.js'

/** One broken store: what is wrong, how to make it, and the cases that must fail. */
export interface BrokenAdapter {
  /** The defect, as a sentence. */
  defect: string
  /** Makes a fresh fixture. */
  make(): EventStoreFixture
  /** Capabilities it claims. */
  capabilities: StoreCapability[]
  /** Exactly the cases that fail on it (among those its capabilities select). */
  fails: EventStoreCaseId[]
}

let epochs = 0
/** A fresh epoch, so two broken stores never share one. */
const epoch = (): string => `broken${(++epochs).toString(36)}`

/** A memory store with a known epoch. */
function base(): { store: EventStore; epoch: string } {
  const id = epoch()
  return { store: memoryStore({ epoch: id }), epoch: id }
}

/** `store` with some methods replaced. */
function patched(store: EventStore, patch: Partial<EventStore>): EventStore {
  return { ...store, ...patch }
}

/** Maps each topic's records of a readAfter result. */
function mapResult(
  result: Map<string, EventRecord[]>,
  map: (records: EventRecord[]) => EventRecord[],
): Map<string, EventRecord[]> {
  return new Map([...result].map(([topic, records]) => [topic, map(records)]))
}

/** Every event of `topic` in a memory store. */
async function everything(store: EventStore, topic: string, epochId: string): Promise<EventRecord[]> {
  return (await store.readAfter([{ topic, after: formatEventId(epochId, 0) }], Number.MAX_SAFE_INTEGER)).get(topic) ?? []
}

/**
 * The seed's bug: ids come from one global sequence drawn when a write starts, and rows become
 * visible when the write commits, which takes a varying time; readers see committed rows only.
 */
function commitGapStore(): EventStore {
  const epochId = epoch()
  let sequence = 0
  let writes = 0
  const visible: EventRecord[] = []
  const prunedThrough = new Map<string, number>()
  const seq = (id: string): number => parseEventId(id)?.seq ?? 0
  const headOf = (topic: string): number =>
    Math.max(seq(visible.findLast((record) => record.topic === topic)?.id ?? ''), prunedThrough.get(topic) ?? 0)
  return {
    async append(drafts: readonly EventDraft[]) {
      const createdAt = new Date().toISOString()
      const records = drafts.map((draft) => ({ ...draft, id: formatEventId(epochId, ++sequence), createdAt }))
      const commitMs = writes++ % 3 // 0, 1 or 2 ms: later ids often commit first
      await new Promise((resolve) => setTimeout(resolve, commitMs))
      visible.push(...records)
      visible.sort((x, y) => seq(x.id) - seq(y.id))
      return records
    },
    async readAfter(cursors: readonly TopicCursor[], limit: number) {
      const result = new Map<string, EventRecord[]>()
      for (const { topic, after } of cursors) {
        const rows = visible.filter((record) => record.topic === topic && seq(record.id) > seq(after)).slice(0, limit)
        if (rows.length > 0) result.set(topic, rows)
      }
      return result
    },
    async heads(topics: readonly string[]) {
      return new Map(topics.map((topic) => [topic, formatEventId(epochId, headOf(topic))]))
    },
    async checkResume(topic: string, id: string): Promise<ResumeCheck> {
      const parsed = parseEventId(id)
      if (parsed?.epoch !== epochId) return { ok: false, reason: 'foreign' }
      return resumeCheck(parsed.seq, headOf(topic), prunedThrough.get(topic) ?? 0)
    },
    isValidId: (id) => parseEventId(id) !== undefined,
    async deleteBefore(date: Date) {
      const cutoff = date.toISOString()
      const doomed = visible.filter((record) => record.createdAt < cutoff)
      for (const record of doomed) prunedThrough.set(record.topic, Math.max(prunedThrough.get(record.topic) ?? 0, seq(record.id)))
      visible.splice(0, visible.length, ...visible.filter((record) => record.createdAt >= cutoff))
      return doomed.length
    },
    async close() {},
  }
}

/** Ids that embed the topic: a topic with spaces or Unicode makes ids that are not safe ASCII. */
function topicInIdsStore(): EventStore {
  const { store } = base()
  const outward = (topic: string, id: string): string => `${topic}/${id}`
  const inward = (id: string): string => id.slice(id.lastIndexOf('/') + 1)
  const withTopic = (record: EventRecord): EventRecord => ({ ...record, id: outward(record.topic, record.id) })
  return patched(store, {
    append: async (drafts, options) => (await store.append(drafts, options)).map(withTopic),
    readAfter: async (cursors, limit) =>
      mapResult(
        await store.readAfter(
          cursors.map((c) => ({ topic: c.topic, after: inward(c.after) })),
          limit,
        ),
        (records) => records.map(withTopic),
      ),
    heads: async (topics) => new Map([...(await store.heads(topics))].map(([topic, id]) => [topic, outward(topic, id)])),
    checkResume: (topic, id) => store.checkResume(topic, inward(id)),
    isValidId: (id) => id.includes('/') && store.isValidId(inward(id)),
  })
}

/** One database that several {@link perInstanceIdsStore} instances open. */
interface SharedLog {
  epoch: string
  events: EventRecord[]
  prunedThrough: Map<string, number>
}

/**
 * Hands out ids from a per-instance counter (primed from the log once per topic), as an adapter
 * that caches "the next id" in the process would: two instances hand out the same ids.
 */
function perInstanceIdsStore(log: SharedLog): EventStore {
  const counters = new Map<string, number>()
  const seq = (id: string): number => parseEventId(id)?.seq ?? 0
  const lastSeq = (topic: string): number =>
    Math.max(
      log.prunedThrough.get(topic) ?? 0,
      ...log.events.filter((record) => record.topic === topic).map((record) => seq(record.id)),
    )
  return {
    async append(drafts: readonly EventDraft[]) {
      const createdAt = new Date().toISOString()
      return drafts.map((draft) => {
        const next = (counters.get(draft.topic) ?? lastSeq(draft.topic)) + 1
        counters.set(draft.topic, next)
        const record = { ...draft, id: formatEventId(log.epoch, next), createdAt }
        log.events.push(record)
        return record
      })
    },
    async readAfter(cursors: readonly TopicCursor[], limit: number) {
      const result = new Map<string, EventRecord[]>()
      for (const { topic, after } of cursors) {
        const rows = log.events
          .filter((record) => record.topic === topic && seq(record.id) > seq(after))
          .sort((x, y) => seq(x.id) - seq(y.id))
          .slice(0, limit)
        if (rows.length > 0) result.set(topic, rows)
      }
      return result
    },
    async heads(topics: readonly string[]) {
      return new Map(topics.map((topic) => [topic, formatEventId(log.epoch, lastSeq(topic))]))
    },
    async checkResume(topic: string, id: string): Promise<ResumeCheck> {
      const parsed = parseEventId(id)
      if (parsed?.epoch !== log.epoch) return { ok: false, reason: 'foreign' }
      return resumeCheck(parsed.seq, lastSeq(topic), log.prunedThrough.get(topic) ?? 0)
    },
    isValidId: (id) => parseEventId(id) !== undefined,
    async deleteBefore(date: Date) {
      const cutoff = date.toISOString()
      const doomed = log.events.filter((record) => record.createdAt < cutoff)
      for (const record of doomed) {
        log.prunedThrough.set(record.topic, Math.max(log.prunedThrough.get(record.topic) ?? 0, seq(record.id)))
      }
      log.events = log.events.filter((record) => record.createdAt >= cutoff)
      return doomed.length
    },
    async close() {},
  }
}

/** One instance over a shared memory store whose wake-ups come from an in-process emitter: it hears only its own appends. */
function ownWakesOnly(shared: EventStore): EventStore {
  const listeners = new Set<(topic?: string) => void>()
  return patched(shared, {
    append: async (drafts, options) => {
      const records = await shared.append(drafts, options)
      for (const listener of [...listeners]) listener()
      return records
    },
    onWake: (listener) => {
      const entry = (topic?: string) => listener(topic)
      listeners.add(entry)
      return () => listeners.delete(entry)
    },
    close: async () => {},
  })
}

/** A draft whose data is not a string, which the partial store refuses. */
const refused = (draft: EventDraft): boolean => typeof draft.data !== 'string'

/** The broken adapters and the cases each must fail. */
export const brokenAdapters: BrokenAdapter[] = [
  {
    defect: 'reads each topic newest first',
    make: () => {
      const { store } = base()
      return {
        store: patched(store, {
          readAfter: async (cursors, limit) => mapResult(await store.readAfter(cursors, limit), (records) => records.reverse()),
        }),
      }
    },
    capabilities: [],
    fails: [
      'append-returns-records-in-order',
      'data-round-trips-exactly',
      'read-after-is-strictly-after',
      'read-limit',
      'read-many-topics-one-call',
      'topics-are-independent',
      'heads-of-empty-topic-is-start-id',
      'ids-are-ascii-and-valid',
      'positions-number-each-topic',
      'resume-pruned-after-delete',
      'delete-before-counts-and-keeps-newer',
      'delete-keeps-head',
      'concurrent-appends-ordered',
      'no-skipped-commit',
    ],
  },
  {
    defect: 'ignores the limit',
    make: () => {
      const { store } = base()
      return { store: patched(store, { readAfter: (cursors) => store.readAfter(cursors, Number.MAX_SAFE_INTEGER) }) }
    },
    capabilities: [],
    fails: [
      'read-limit',
      'read-many-topics-one-call',
      'topics-are-independent',
      'concurrent-appends-ordered',
      'no-skipped-commit',
    ],
  },
  {
    defect: "reads every topic after the highest cursor (one global 'max id seen')",
    make: () => {
      const { store, epoch: epochId } = base()
      return {
        store: patched(store, {
          readAfter: (cursors, limit) => {
            const max = Math.max(0, ...cursors.map((cursor) => parseEventId(cursor.after)?.seq ?? 0))
            return store.readAfter(
              cursors.map((cursor) => ({ topic: cursor.topic, after: formatEventId(epochId, max) })),
              limit,
            )
          },
        }),
      }
    },
    capabilities: [],
    fails: ['read-many-topics-one-call', 'no-skipped-commit'],
  },
  {
    defect: 'compares ids as text ("10" < "9")',
    make: () => {
      const { store, epoch: epochId } = base()
      return {
        store: patched(store, {
          readAfter: async (cursors, limit) => {
            const result = new Map<string, EventRecord[]>()
            for (const { topic, after } of cursors) {
              const rows = (await everything(store, topic, epochId)).filter((record) => record.id > after).slice(0, limit)
              if (rows.length > 0) result.set(topic, rows)
            }
            return result
          },
        }),
      }
    },
    capabilities: [],
    fails: [
      'append-returns-records-in-order',
      'read-after-is-strictly-after',
      'read-limit',
      'read-many-topics-one-call',
      'ids-are-ascii-and-valid',
      'concurrent-appends-ordered',
      'no-skipped-commit',
    ],
  },
  {
    defect: 'compares topics case-insensitively (a NOCASE / _ci collation)',
    make: () => {
      const { store } = base()
      const lower = (cursors: readonly TopicCursor[]) => cursors.map((c) => ({ topic: c.topic.toLowerCase(), after: c.after }))
      return {
        store: patched(store, {
          append: async (drafts, options) => {
            const records = await store.append(
              drafts.map((d) => ({ ...d, topic: d.topic.toLowerCase() })),
              options,
            )
            return records.map((record, i) => ({ ...record, topic: (drafts[i] as EventDraft).topic }))
          },
          readAfter: async (cursors, limit) => {
            const result = await store.readAfter(lower(cursors), limit)
            return new Map(
              cursors.flatMap((c) => {
                const records = result.get(c.topic.toLowerCase())
                return records ? [[c.topic, records.map((record) => ({ ...record, topic: c.topic }))] as const] : []
              }),
            )
          },
          heads: async (topics) => {
            const heads = await store.heads(topics.map((topic) => topic.toLowerCase()))
            return new Map(topics.map((topic) => [topic, heads.get(topic.toLowerCase()) as string]))
          },
          checkResume: (topic, id) => store.checkResume(topic.toLowerCase(), id),
        }),
      }
    },
    capabilities: [],
    fails: ['topics-compare-exactly'],
  },
  {
    defect: 'draws ids before commit from one global sequence (commits land out of id order)',
    make: () => ({ store: commitGapStore() }),
    capabilities: [],
    fails: ['no-skipped-commit'],
  },
  {
    defect: 'forgets how far retention pruned',
    make: () => {
      const { store } = base()
      return {
        store: patched(store, {
          checkResume: async (topic, id) => {
            const check = await store.checkResume(topic, id)
            return !check.ok && check.reason === 'pruned' ? { ok: true } : check
          },
        }),
      }
    },
    capabilities: [],
    fails: ['resume-pruned-after-delete'],
  },
  {
    defect: 'ignores the epoch when resuming',
    make: () => {
      const make = (): EventStoreFixture => {
        const { store, epoch: epochId } = base()
        return {
          store: patched(store, {
            checkResume: (topic, id) => {
              const parsed = parseEventId(id)
              return store.checkResume(topic, parsed ? formatEventId(epochId, parsed.seq) : id)
            },
          }),
        }
      }
      return { ...make(), makeForeignStore: async () => make() }
    },
    capabilities: ['foreign-ids'],
    fails: ['resume-foreign-epoch'],
  },
  {
    defect: 'derives heads from the events still stored (ids reused after retention)',
    make: () => {
      const { store, epoch: epochId } = base()
      return {
        store: patched(store, {
          heads: async (topics) =>
            new Map(
              await Promise.all(
                topics.map(
                  async (topic) =>
                    [topic, (await everything(store, topic, epochId)).at(-1)?.id ?? formatEventId(epochId, 0)] as const,
                ),
              ),
            ),
        }),
      }
    },
    capabilities: [],
    fails: ['delete-keeps-head'],
  },
  {
    defect: 'writes the drafts of one call one by one (not all or nothing)',
    make: () => {
      const { store } = base()
      return {
        store: patched(store, {
          append: async (drafts) => {
            const records: EventRecord[] = []
            for (const draft of drafts) {
              if (refused(draft)) throw new TypeError('data must be a string')
              records.push(...(await store.append([draft])))
            }
            return records
          },
        }),
      }
    },
    capabilities: ['atomic'],
    fails: ['append-all-or-nothing'],
  },
  {
    defect: "writes outside the caller's transaction",
    make: () => {
      const { store } = base()
      return {
        store: patched(store, { append: (drafts) => store.append(drafts) }),
        withTransaction: (body) => body({ transaction: 'ignored' }),
      }
    },
    capabilities: ['transactions'],
    fails: ['resume-ahead', 'transaction-rollback-writes-nothing', 'transaction-uncommitted-invisible'],
  },
  {
    defect: 'counts ids per instance (two processes hand out the same ids)',
    make: () => {
      const log: SharedLog = { epoch: epoch(), events: [], prunedThrough: new Map() }
      return { store: perInstanceIdsStore(log), makePeerStore: async () => ({ store: perInstanceIdsStore(log) }) }
    },
    capabilities: ['shared'],
    fails: ['peer-reads-same-log', 'no-skipped-commit-across-stores'],
  },
  {
    defect: 'wakes only for appends made in its own process',
    make: () => {
      const { store } = base()
      return { store: ownWakesOnly(store), makePeerStore: async () => ({ store: ownWakesOnly(store) }) }
    },
    capabilities: ['wake', 'shared'],
    fails: ['wake-after-peer-append'],
  },
  {
    defect: 'never wakes its listeners',
    make: () => {
      const { store } = base()
      return { store: patched(store, { onWake: () => () => {} }) }
    },
    capabilities: ['wake'],
    fails: ['wake-after-append', 'wake-unsubscribe-stops'],
  },
  {
    defect: 'keeps waking a listener after its unsubscribe',
    make: () => {
      const { store } = base()
      const listeners: ((topic?: string) => void)[] = []
      return {
        store: patched(store, {
          append: async (drafts, options) => {
            const records = await store.append(drafts, options)
            for (const listener of listeners) listener()
            return records
          },
          onWake: (listener) => {
            listeners.push(listener)
            return () => {} // forgets to remove it
          },
        }),
      }
    },
    capabilities: ['wake'],
    fails: ['wake-unsubscribe-stops'],
  },
  {
    defect: 'puts the topic into ids (non-ASCII ids for Unicode topics)',
    make: () => ({ store: topicInIdsStore() }),
    capabilities: [],
    fails: ['ids-are-ascii-and-valid', 'positions-number-each-topic', 'invalid-id-rejected'],
  },
  {
    defect: 'accepts any string as an id',
    make: () => {
      const { store } = base()
      return { store: patched(store, { isValidId: () => true }) }
    },
    capabilities: [],
    fails: ['invalid-id-rejected'],
  },
  {
    defect: 'throws when closed twice',
    make: () => {
      const { store } = base()
      let closed = false
      return {
        store: patched(store, {
          close: async () => {
            if (closed) throw new Error('already closed')
            closed = true
          },
        }),
        dispose: async () => {},
      }
    },
    capabilities: [],
    fails: ['close-idempotent'],
  },
  {
    defect: 'changedTopics never lists a topic (a global cursor that does not move)',
    make: () => {
      const { store } = base()
      return { store: patched(store, { changedTopics: async () => ({ topics: [], token: 'still' }) }) }
    },
    capabilities: ['changes'],
    fails: ['changes-list-topics-after-token', 'changes-under-concurrent-appends'],
  },
  {
    defect: 'changedTopics lists only the first topic of each append',
    make: () => {
      const { store } = base()
      const inner = store.changedTopics?.bind(store) as NonNullable<EventStore['changedTopics']>
      return {
        store: patched(store, {
          changedTopics: async (token) => {
            const changes = await inner(token)
            return { ...changes, topics: changes.topics?.slice(0, 1) }
          },
        }),
      }
    },
    capabilities: ['changes'],
    fails: ['changes-list-topics-after-token', 'changes-under-concurrent-appends'],
  },
]
