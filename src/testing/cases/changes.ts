/**
 * Conformance cases of `changedTopics`, for stores with one global commit order: after a token,
 * every topic with a commit after it is listed, nothing else is when nothing happened, and a token
 * never passes an event that commits later.
 * @module
 */
import assert from 'node:assert/strict'
import type { EventStore, TopicChanges } from '../../store.js'
import { drafts, nextTurn } from '../case-helpers.js'
import { disposeHandle, makePeerStoreOf, withTransactionOf } from '../hooks.js'
import type { EventStoreCase } from '../types.js'

/** The store's `changedTopics`, asserted to exist, with its answers checked for shape. */
function changesOf(store: EventStore): (token: string | undefined) => Promise<TopicChanges> {
  assert.equal(typeof store.changedTopics, 'function', 'a store declaring "changes" must implement changedTopics')
  return async (token) => {
    const changes = await (store.changedTopics as NonNullable<EventStore['changedTopics']>)(token)
    assert.equal(typeof changes?.token, 'string', 'changedTopics must answer a string token')
    assert.ok(changes.topics === undefined || Array.isArray(changes.topics), 'changedTopics topics must be an array or undefined')
    return changes
  }
}

/** Asserts `changes` lists every one of `topics` (or declines to list, which means "read everything"). */
function assertListed(changes: TopicChanges, topics: readonly string[], what: string): void {
  if (changes.topics === undefined) return
  for (const topic of topics) assert.ok(changes.topics.includes(topic), `${what}: ${JSON.stringify(topic)} must be listed`)
}

/** The `changedTopics` cases. */
export const changesCases: readonly EventStoreCase[] = [
  {
    id: 'changes-list-topics-after-token',
    title: 'changedTopics lists every topic appended to after its token, and an empty list when nothing was',
    requires: ['changes'],
    async run({ store, topic }) {
      const changedTopics = changesOf(store)
      const [a, b, quiet] = [topic('a'), topic('b'), topic('quiet')]
      await store.append(drafts(quiet, 1))
      const first = await changedTopics(undefined)
      await store.append([...drafts(a, 2), ...drafts(b, 1)])
      const changed = await changedTopics(first.token)
      assert.ok(changed.topics !== undefined, 'two changed topics must be listed, not declined')
      assertListed(changed, [a, b], 'after appends to a and b')
      assert.ok(!changed.topics.includes(quiet), 'a topic appended to only before the token must not be listed')
      const none = await changedTopics(changed.token)
      assert.deepEqual(none.topics, [], 'with nothing appended since the token, no topic is listed')
      await store.append(drafts(b, 1, 1))
      const again = await changedTopics(none.token)
      assert.deepEqual(again.topics, [b], 'only the topic appended to since the last token')
    },
  },
  {
    id: 'changes-after-peer-append',
    title: 'changedTopics lists a topic that another instance on the same database appended to',
    requires: ['changes', 'shared'],
    async run(context) {
      const { store, topic } = context
      const changedTopics = changesOf(store)
      const peer = await makePeerStoreOf(context.fixture)()
      context.defer(() => disposeHandle(peer))
      const a = topic('a')
      const first = await changedTopics(undefined)
      await peer.store.append(drafts(a, 1))
      assertListed(await changedTopics(first.token), [a], 'after a peer appended')
    },
  },
  {
    id: 'changes-token-never-passes-uncommitted',
    title: "a token taken while a transaction is open still lists that transaction's topic once it commits",
    requires: ['changes', 'transactions'],
    async run({ store, fixture, topic }) {
      const changedTopics = changesOf(store)
      const withTransaction = withTransactionOf(fixture)
      const a = topic('a')
      const first = await changedTopics(undefined)
      let during: TopicChanges | undefined
      await withTransaction(async (transaction) => {
        await store.append(drafts(a, 2), { transaction })
        during = await changedTopics(first.token)
      })
      assertListed(await changedTopics((during as TopicChanges).token), [a], 'after the transaction committed')
    },
  },
  {
    id: 'changes-under-concurrent-appends',
    title: 'tokens taken while 12 writers append at once together list every topic written',
    requires: ['changes'],
    async run({ store, topic }) {
      const changedTopics = changesOf(store)
      const topics = Array.from({ length: 12 }, (_, i) => topic(`w${i}`))
      let token = (await changedTopics(undefined)).token
      const seen = new Set<string>()
      let everything = false
      let writing = true
      const reader = (async () => {
        while (writing) {
          const changes = await changedTopics(token)
          token = changes.token
          if (changes.topics === undefined) everything = true
          else for (const name of changes.topics) seen.add(name)
          await nextTurn()
        }
      })()
      await Promise.all(
        topics.map(async (name, i) => {
          for (let n = 0; n < 5; n++) {
            await store.append(drafts(name, 1, n))
            if ((n + i) % 2 === 0) await nextTurn()
          }
        }),
      )
      writing = false
      await reader
      const last = await changedTopics(token)
      if (last.topics === undefined || everything) return
      for (const name of last.topics) seen.add(name)
      for (const name of topics) assert.ok(seen.has(name), `${JSON.stringify(name)} must be listed by some answer`)
    },
  },
]
