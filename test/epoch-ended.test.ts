/**
 * A topic the store can no longer read after the poller's cursor (`readAfter` rejects with
 * `CannotResumeError`, as the Postgres store does for ids of the timeline a failover ended) ends
 * every stream that follows it with that error, and only those: other topics carry on, nothing is
 * reported as a failure, and the topic can be followed again from a fresh position.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CannotResumeError, createBroker, memoryStore } from '../src/index.js'
import { withEndedTopics } from './helpers/broken-store.js'
import { take } from './helpers/wait.js'

describe('a topic whose epoch ended', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })

  it('ends the streams following it with a reset; the others carry on; a new stream follows it again', async () => {
    const memory = memoryStore()
    const ended = new Set<string>()
    const store = withEndedTopics(memory, ended)
    const errors: unknown[] = []
    const broker = createBroker(store, { pollIntervalMs: 100, onError: (error) => errors.push(error) })
    closers.push(() => broker.close())
    const event = (topic: string, n: number) => ({ topic, type: 'n', data: JSON.stringify(n) })

    const onlyA = broker.subscribe('a')
    const both = broker.subscribe(['a', 'b'])
    const onlyB = broker.subscribe('b')
    await Promise.all([onlyA.ready, both.ready, onlyB.ready])
    await broker.publish([
      { topic: 'a', type: 'n', payload: 1 },
      { topic: 'b', type: 'n', payload: 1 },
    ])
    expect((await take(onlyA, 1)).map((e) => e.payload)).toEqual([1])
    expect((await take(both, 2)).map((e) => e.payload)).toEqual([1, 1])
    expect((await take(onlyB, 1)).map((e) => e.payload)).toEqual([1])

    // Committed elsewhere (not offered by this broker's publish): the poller has to read `a`.
    ended.add('a')
    await memory.append([event('a', 2), event('b', 2)])
    for (const stream of [onlyA, both]) {
      const failure = await stream.next().then(
        () => undefined,
        (error: unknown) => error,
      )
      expect(failure).toBeInstanceOf(CannotResumeError)
      expect((failure as CannotResumeError).resets).toEqual([{ topic: 'a', reason: 'foreign' }])
    }
    expect((await take(onlyB, 1)).map((e) => e.payload)).toEqual([2])
    expect(broker.stats().subscribers).toBe(1)

    ended.delete('a')
    const again = broker.subscribe('a')
    await again.ready
    await memory.append([event('a', 3)])
    expect((await take(again, 1)).map((e) => e.payload)).toEqual([3])
    expect(errors).toEqual([])
  })
})
