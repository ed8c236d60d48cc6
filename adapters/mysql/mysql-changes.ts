/**
 * `changedTopics` on MySQL: which topics had events committed since a token, in O(new events).
 *
 * Each event row gets a `gid` from `AUTO_INCREMENT`, drawn at insert, not at commit: `gid` 7 can
 * become visible before 6, and a reader that remembered "the highest gid seen" would never list
 * 6's topic (the trap of DESIGN invariant 2, one level up). So a token is the highest gid seen plus
 * the gaps below it: gids not seen yet, each either inside a transaction still open (it will
 * appear) or given up (a rollback, a deleted row, a value InnoDB skipped). Every answer reads the
 * gids above the token and the gaps; a gap older than {@link GAP_PROBE_MS} is probed with a lock
 * taken without waiting: a row still being inserted is locked (the gap stays), no row means it
 * will never come (the gap goes). A token always lists what commits after it, whenever it commits.
 * @module
 */
import type { TopicChanges } from '../../src/store.js'

/** A parsed change token: the highest gid seen and the gaps below it, each with when it was first seen (epoch ms). */
export interface ChangeToken {
  /** Every gid up to this one was seen or is a gap. */
  after: number
  /** Gids below `after` not seen yet → when the gap was first noticed (`Date.now()`). */
  gaps: Map<number, number>
}

/** What the change reader runs against the database. */
export interface ChangeQueries {
  /** The newest gids (highest first, a bounded window). */
  latestGids(): Promise<number[]>
  /** Rows after `after` (at most `limit`, in gid order) and the rows of `gaps`. */
  changes(after: number, limit: number, gaps: readonly number[]): Promise<Array<{ gid: number; topic: string }>>
  /** `'committed'` with the topic, `'pending'` (its inserter has not committed), or `'gone'`. */
  probe(gid: number): Promise<{ state: 'committed'; topic: string } | { state: 'pending' | 'gone' }>
}

/** A gap is probed once it has waited this long (a multi-row insert draws its gids before it inserts the rows). */
export const GAP_PROBE_MS = 2_000
/** At most this many gaps are probed per answer. */
const PROBES_PER_ANSWER = 8
/** Most rows read per answer; a longer backlog answers "every topic" and moves on. */
const ROWS_PER_ANSWER = 5_000
/** Most gaps a token keeps; beyond, the oldest are dropped and the answer is "every topic". */
const MAX_GAPS = 1_000

/** Formats a token: `after` then `gid@noticedMs` per gap. */
export function formatToken(token: ChangeToken): string {
  return [token.after, ...[...token.gaps].map(([gid, at]) => `${gid}@${at}`)].join(' ')
}

/** Parses a token made by {@link formatToken}; `undefined` when it is not one. */
export function parseToken(text: string): ChangeToken | undefined {
  const [first, ...rest] = text.split(' ')
  const after = Number(first)
  if (!Number.isSafeInteger(after) || after < 0) return undefined
  const gaps = new Map<number, number>()
  for (const part of rest) {
    const [gid, at] = part.split('@').map(Number)
    if (!Number.isSafeInteger(gid) || !Number.isFinite(at)) return undefined
    gaps.set(gid as number, at as number)
  }
  return { after, gaps }
}

/** The first token: the highest gid, with the unseen gids of the newest window as gaps (transactions in flight). */
async function firstToken(queries: ChangeQueries, now: number): Promise<ChangeToken> {
  const gids = await queries.latestGids()
  const after = gids[0] ?? 0
  const seen = new Set(gids)
  const gaps = new Map<number, number>()
  for (let gid = gids.at(-1) ?? after; gid < after; gid++) if (!seen.has(gid)) gaps.set(gid, now)
  return { after, gaps }
}

/** Answers `changedTopics(token)`. */
export async function changedTopics(queries: ChangeQueries, text: string | undefined): Promise<TopicChanges> {
  const now = Date.now()
  const token = text === undefined ? undefined : parseToken(text)
  if (token === undefined) {
    // No token (or a foreign one): a first token; the caller reads every topic once.
    return { topics: text === undefined ? [] : undefined, token: formatToken(await firstToken(queries, now)) }
  }
  const topics = new Set<string>()
  let everything = false
  const rows = await queries.changes(token.after, ROWS_PER_ANSWER, [...token.gaps.keys()])
  let last = token.after
  let fresh = 0
  for (const { gid, topic } of rows.sort((a, b) => a.gid - b.gid)) {
    topics.add(topic)
    if (token.gaps.delete(gid)) continue
    fresh++
    // A jump wider than the gaps kept (a bulk reservation, a changed increment) is not tracked.
    if (gid - last - 1 > MAX_GAPS) everything = true
    else for (let missing = last + 1; missing < gid; missing++) token.gaps.set(missing, now)
    last = gid
  }
  if (fresh >= ROWS_PER_ANSWER) everything = true
  token.after = last
  let probes = 0
  for (const [gid, at] of token.gaps) {
    if (now - at < GAP_PROBE_MS || probes++ >= PROBES_PER_ANSWER) continue
    const found = await queries.probe(gid)
    if (found.state === 'pending') continue
    token.gaps.delete(gid)
    if (found.state === 'committed') topics.add(found.topic)
  }
  if (token.gaps.size > MAX_GAPS) {
    everything = true
    for (const gid of [...token.gaps.keys()].slice(0, token.gaps.size - MAX_GAPS)) token.gaps.delete(gid)
  }
  return { topics: everything ? undefined : [...topics], token: formatToken(token) }
}
