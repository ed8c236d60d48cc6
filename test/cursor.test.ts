/** The multi-topic cursor: its text, what it decodes to, and how a stream request reads topics and positions. */
import { describe, expect, it } from 'vitest'
import { decodeCursor, isCursor, restAfter, StreamCursor, topicHash } from '../src/cursor.js'
import { InvalidEventIdError, InvalidTopicError, memoryStore } from '../src/index.js'
import { positionsOf, topicsOf } from '../src/stream-request.js'

const limits = { maxTopicsPerStream: 100, maxTopicLength: 200 }
const store = memoryStore()

describe('topicHash', () => {
  it('is 8 base-36 characters, the same in every process (part of the wire format)', () => {
    expect(topicHash('project-1')).toMatch(/^[0-9a-z]{8}$/)
    // Fixed values: a change here would make every cursor in the field unknown.
    expect([topicHash('a'), topicHash('project-1'), topicHash('ü🚀')]).toEqual(['p94epp1d', '2wcx93qe', '6qz1kg3j'])
  })
})

describe('StreamCursor', () => {
  it('is the event id itself for one topic', () => {
    const cursor = new StreamCursor(['a'], ['k3f9a2b1.41'])
    expect(cursor.text()).toBe('k3f9a2b1.41')
  })

  it('holds every topic of several, sharing the epoch once, and decodes back by topic hash', () => {
    const cursor = new StreamCursor(['a', 'b', 'c'], ['k3f9a2b1.41', 'k3f9a2b1.0', 'k3f9a2b1.1207'])
    const text = cursor.text()
    expect(text).toBe(`~k3f9a2b1.~${topicHash('a')}41~${topicHash('b')}0~${topicHash('c')}1207`)
    expect(isCursor(text)).toBe(true)
    expect(decodeCursor(text)).toEqual(
      new Map([
        [topicHash('a'), 'k3f9a2b1.41'],
        [topicHash('b'), 'k3f9a2b1.0'],
        [topicHash('c'), 'k3f9a2b1.1207'],
      ]),
    )
    cursor.set(1, 'k3f9a2b1.5')
    expect(decodeCursor(cursor.text())?.get(topicHash('b'))).toBe('k3f9a2b1.5')
  })

  it('escapes ~ and % in ids of custom stores, and copes with ids that share no prefix', () => {
    const ids = ['x~1%7E', 'y.2', '~z']
    const cursor = new StreamCursor(['a', 'b', 'c'], ids)
    const decoded = decodeCursor(cursor.text())
    expect([...(decoded?.values() ?? [])]).toEqual(ids)
  })

  it('rebuilds around an id from another epoch', () => {
    const cursor = new StreamCursor(['a', 'b'], ['e1.1', 'e1.2'])
    cursor.set(0, 'e2.9')
    expect([...(decodeCursor(cursor.text())?.values() ?? [])]).toEqual(['e2.9', 'e1.2'])
  })

  it('around() and restAfter() give the text of the cursor with one topic moved', () => {
    const cursor = new StreamCursor(['a', 'b'], ['e1.1', 'e1.2'])
    const { prefix, suffix } = cursor.around(0)
    cursor.set(0, 'e1.7')
    expect(prefix + restAfter('e1.7', cursor.sharedPrefix) + suffix).toBe(cursor.text())
    expect(restAfter('other.7', cursor.sharedPrefix)).toBeUndefined()
  })

  it.each([
    ['an empty entry list', '~e1.'],
    ['a short hash', '~e1.~abc1'],
    ['an upper-case hash', '~e1.~ABCDEFGH1'],
    ['a repeated topic', `~e1.~${topicHash('a')}1~${topicHash('a')}2`],
    ['an entry without an id', '~~abcdefgh'],
    ['over 8 KiB', `~e1.${`~${topicHash('a')}1`.repeat(1_000)}`],
  ])('decodes %s as malformed', (_name, text) => {
    expect(decodeCursor(text)).toBeUndefined()
  })
})

describe('topicsOf', () => {
  it('folds duplicates and sorts', () => {
    expect(topicsOf(['b', 'a', 'b'], limits)).toEqual(['a', 'b'])
    expect(topicsOf('one', limits)).toEqual(['one'])
  })

  it.each([
    ['an empty list', []],
    ['a bad topic in the list', ['a', 'b\nc']],
    ['an empty topic in the list', ['a', '']],
    ['more than maxTopicsPerStream', Array.from({ length: 101 }, (_, i) => `t${i}`)],
    ['a missing topic', undefined],
  ])('refuses %s with InvalidTopicError', (_name, topics) => {
    expect(() => topicsOf(topics as string[], limits)).toThrow(InvalidTopicError)
  })
})

describe('positionsOf', () => {
  const ids = { a: 'e1.3', b: 'e1.4' }
  const cursorOf = (topics: Record<string, string>) => new StreamCursor(Object.keys(topics), Object.values(topics)).text()

  it('reads each topic of a cursor, drops topics no longer asked for, and leaves new ones to start at their head', () => {
    expect(positionsOf(cursorOf(ids), ['a', 'b'], store)).toEqual(new Map(Object.entries(ids)))
    expect(positionsOf(cursorOf(ids), ['b', 'c'], store)).toEqual(new Map([['b', 'e1.4']]))
    expect(positionsOf(cursorOf(ids), ['a'], store)).toEqual(new Map([['a', 'e1.3']]))
  })

  it('takes an event id as the position of a one-topic stream, and as naming no place in any topic of a stream over several', () => {
    expect(positionsOf('e1.3', ['a'], store)).toEqual(new Map([['a', 'e1.3']]))
    expect(positionsOf('e1.3', ['a', 'b'], store)).toEqual(
      new Map([
        ['a', null],
        ['b', null],
      ]),
    )
    expect(positionsOf(undefined, ['a', 'b'], store)).toEqual(new Map())
  })

  it.each([
    ['a malformed event id', 'not an id'],
    ['a malformed cursor', '~e1.~zz'],
    ['a cursor holding a malformed id', `~~${topicHash('a')}nope`],
    ['a cursor over 8 KiB', `~e1.${Array.from({ length: 800 }, (_, i) => `~${topicHash(`t${i}`)}12`).join('')}`],
  ])('refuses %s with InvalidEventIdError', (_name, position) => {
    expect(() => positionsOf(position, ['a', 'b'], store)).toThrow(InvalidEventIdError)
  })
})
