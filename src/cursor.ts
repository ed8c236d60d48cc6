/**
 * The position of a stream in every one of its topics, as one SSE id. A one-topic stream's id is
 * its topic's event id, unchanged. A stream over several topics sends, on every `id:` line, a
 * cursor that holds each topic's event id, so `Last-Event-ID` resumes every topic exactly after
 * its position, whatever process or restart comes in between:
 *
 * ```
 * ~k3f9a2b1.~0a1b2c3d41~9z8y7x6w1207
 *  └ shared ┘ └hash┘└rest┘
 * ```
 *
 * `~`, then the prefix all the ids share up to their last `.` (the bundled stores' epoch), then one
 * `~`-separated entry per topic: 8 base-36 characters of a hash of the topic name, then the rest of
 * its id (`~` and `%` in it percent-encoded). Topics are named by hash, not by name, so the cursor
 * stays small (about 15 bytes a topic with the bundled stores) and needs no escaping of names; a
 * stream whose topics changed keeps the positions of the topics it still has. The hash (a 41-bit
 * mix, below) is part of the wire format: changing it would make every cursor in the field unknown.
 * This module reads and writes the cursor's text; `frame.ts` turns it into `id:` line bytes.
 * @module
 */

/** Cursors start with this character; plain event ids are told apart by it. */
const MARK = '~'
/** Length of a topic's hash in an entry. */
const HASH_LENGTH = 8
const HASH_RANGE = 36 ** HASH_LENGTH
const ENTRY = /^([0-9a-z]{8})(.*)$/s
/** Longest cursor accepted from a client: far above what 100 topics need, well under HTTP header limits. */
const MAX_CURSOR_LENGTH = 8_192
/** Most entries read from a client's cursor (a stream of another, larger topic set). */
const MAX_ENTRIES = 1_000

/** The hash that names `topic` in a cursor: 8 characters of base 36. */
export function topicHash(topic: string): string {
  // cyrb53 (a public-domain string hash), reduced to 36^8 values: about 41 bits.
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < topic.length; i++) {
    const code = topic.charCodeAt(i)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  const value = 4294967296 * (2097151 & h2) + (h1 >>> 0)
  return (value % HASH_RANGE).toString(36).padStart(HASH_LENGTH, '0')
}

const escapeRest = (text: string): string => (/[~%]/.test(text) ? text.replaceAll('%', '%25').replaceAll('~', '%7E') : text)
const unescapeRest = (text: string): string => (text.includes('%') ? text.replaceAll('%7E', '~').replaceAll('%25', '%') : text)

/** Whether `id` is a multi-topic cursor (else it is a plain event id). */
export function isCursor(id: string): boolean {
  return id.startsWith(MARK)
}

/**
 * The event ids a cursor holds, by topic hash; `undefined` when it is malformed. Each id still
 * needs the store's `isValidId`.
 */
export function decodeCursor(text: string): Map<string, string> | undefined {
  if (!isCursor(text) || text.length > MAX_CURSOR_LENGTH) return undefined
  const parts = text.slice(1).split(MARK)
  const shared = unescapeRest(parts[0] as string)
  if (parts.length < 2 || parts.length > MAX_ENTRIES + 1) return undefined
  const ids = new Map<string, string>()
  for (let i = 1; i < parts.length; i++) {
    const match = ENTRY.exec(parts[i] as string)
    if (!match || ids.has(match[1] as string)) return undefined
    const id = shared + unescapeRest(match[2] as string)
    if (id.length === 0) return undefined
    ids.set(match[1] as string, id)
  }
  return ids
}

/** The shared prefix of `ids`: up to and including the last `.` that all of them have at the same place. */
function sharedPrefix(ids: readonly string[]): string {
  const first = ids[0] as string
  let end = first.lastIndexOf('.') + 1
  while (end > 0) {
    const prefix = first.slice(0, end)
    if (ids.every((id) => id.startsWith(prefix))) return prefix
    end = end >= 2 ? first.lastIndexOf('.', end - 2) + 1 : 0
  }
  return ''
}

/** The cursor text around one topic's id (see {@link StreamCursor.around}). */
export interface CursorAround {
  /** Everything before the topic's id rest. */
  prefix: string
  /** Everything after it. */
  suffix: string
  /** `prefix` and `suffix` in one string: streams whose keys are equal write the same `id:` lines. */
  key: string
}

/** The part of `id` after `shared`, escaped for a cursor; `undefined` when `id` does not start with it. */
export function restAfter(id: string, shared: string): string | undefined {
  return id.startsWith(shared) ? escapeRest(id.slice(shared.length)) : undefined
}

/** Sorted topic names, or sorted things that hold them (a connection's topic positions). */
export type TopicNames = ReadonlyArray<string> | ReadonlyArray<{ readonly topic: string }>

const nameOf = (entry: string | { readonly topic: string }): string => (typeof entry === 'string' ? entry : entry.topic)

/**
 * A stream's positions in its topics (sorted, distinct), and their SSE id. Positions change one
 * topic at a time as events are written; {@link StreamCursor.around} gives the text around one
 * topic's position so that a batch of that topic's events costs one concatenation per event.
 */
export class StreamCursor {
  /** The topics, sorted (names, or positions that hold them: a connection's own positions, so it keeps no second list). */
  private readonly topics: TopicNames
  private readonly ids: string[]
  private shared: string
  /** The index {@link StreamCursor.indexOf} found last. */
  private lastIndex = 0
  /** {@link StreamCursor.around} of one topic, kept while no other topic moves (a hot topic's batches reuse it). */
  private cached: (CursorAround & { index: number }) | undefined

  constructor(topics: TopicNames, ids: readonly string[]) {
    this.topics = topics
    this.ids = [...ids]
    this.shared = topics.length > 1 ? sharedPrefix(this.ids) : ''
  }

  /** The index of `topic` (one of the cursor's), looked up from the last one found: streams over several topics mostly get batches of one hot topic. */
  indexOf(topic: string): number {
    if (nameOf(this.topics[this.lastIndex] as string | { readonly topic: string }) !== topic) {
      this.lastIndex = this.topics.findIndex((entry) => nameOf(entry) === topic)
    }
    return this.lastIndex
  }

  /** Moves topic `index` to `id`. */
  set(index: number, id: string): void {
    this.ids[index] = id
    if (this.cached !== undefined && (this.cached.index !== index || !id.startsWith(this.shared))) this.cached = undefined
  }

  /** The stream's SSE id now. */
  text(): string {
    if (this.topics.length === 1) return this.ids[0] as string
    const { prefix, suffix } = this.around(this.topics.length - 1)
    return prefix + escapeRest(this.ids[this.topics.length - 1]?.slice(this.shared.length) as string) + suffix
  }

  /**
   * The cursor text before and after topic `index`'s id rest: `prefix + rest(id) + suffix` is the
   * cursor with that topic at `id`, where `rest(id)` is {@link restAfter}`(id, sharedPrefix)`.
   */
  around(index: number): CursorAround {
    if (this.cached?.index === index) return this.cached
    if (!this.ids.every((id) => id.startsWith(this.shared))) this.shared = sharedPrefix(this.ids)
    let prefix = MARK + escapeRest(this.shared)
    let suffix = ''
    for (let i = 0; i < this.topics.length; i++) {
      const entry = MARK + topicHash(nameOf(this.topics[i] as string | { readonly topic: string }))
      if (i < index) prefix += entry + escapeRest((this.ids[i] as string).slice(this.shared.length))
      else if (i === index) prefix += entry
      else suffix += entry + escapeRest((this.ids[i] as string).slice(this.shared.length))
    }
    this.cached = { index, prefix, suffix, key: `${prefix}\n${suffix}` }
    return this.cached
  }

  /** The prefix every id of the cursor shares (up to its last `.`; the store's epoch). */
  get sharedPrefix(): string {
    return this.shared
  }
}
