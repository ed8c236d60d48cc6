import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { Batch } from '../src/batch.js'
import { decodeCursor, StreamCursor, topicHash } from '../src/cursor.js'
import { eventFrame } from '../src/frame.js'

/** Feeds bytes to a real WHATWG SSE parser and returns the messages it dispatches. */
function parse(frame: string): EventSourceMessage[] {
  const messages: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (message) => messages.push(message) })
  parser.feed(frame)
  return messages
}

const awkward: Record<string, unknown> = {
  CR: 'a\rb',
  LF: 'a\nb',
  CRLF: 'a\r\nb',
  'U+2028 and U+2029': 'a\u2028b\u2029c',
  NUL: 'a\0b',
  emoji: 'launch 🚀 done ✅ 👩‍👩‍👧',
  'data: and id: inside': '\n\ndata: x\nid: 9\nevent: error\n\n',
  nested: { text: 'x\ny', list: ['\r', '\n', '\0'] },
}

describe('SSE framing', () => {
  it.each(Object.entries(awkward))('round-trips a payload holding %s through eventsource-parser', (_name, payload) => {
    const record = {
      id: 'abc.7',
      topic: 'p\u20281',
      type: 'session_updated',
      data: JSON.stringify(payload),
      createdAt: '2026-11-28T07:00:00.000Z',
    }
    const messages = parse(eventFrame(record))
    expect(messages).toHaveLength(1)
    const [message] = messages as [EventSourceMessage]
    expect(message.id).toBe('abc.7')
    expect(message.event).toBe('session_updated')
    expect(JSON.parse(message.data)).toEqual({
      id: 'abc.7',
      type: 'session_updated',
      topic: 'p\u20281',
      payload,
      createdAt: record.createdAt,
    })
  })
})

describe('frames of a stream over several topics', () => {
  const records = [
    { id: 'abc.7', topic: 'b', type: 't', data: JSON.stringify(awkward.CRLF), createdAt: '2026-11-28T07:00:00.000Z' },
    { id: 'abc.8', topic: 'b', type: 't', data: JSON.stringify(awkward.emoji), createdAt: '2026-11-28T07:00:00.000Z' },
  ]

  it('share the event bytes, and carry the stream cursor after each event as its id', () => {
    const cursor = new StreamCursor(['a', 'b'], ['abc.3', 'abc.6'])
    const bytes = new Batch('b', records).framesFor(cursor, 1)
    const messages = parse(new TextDecoder().decode(bytes))
    expect(messages.map((m) => JSON.parse(m.data).id)).toEqual(['abc.7', 'abc.8'])
    expect(messages.map((m) => decodeCursor(m.id ?? ''))).toEqual([
      new Map([
        [topicHash('a'), 'abc.3'],
        [topicHash('b'), 'abc.7'],
      ]),
      new Map([
        [topicHash('a'), 'abc.3'],
        [topicHash('b'), 'abc.8'],
      ]),
    ])
    expect(decodeCursor(cursor.text())?.get(topicHash('b'))).toBe('abc.8')
  })

  it('are the same bytes inside an envelope, and when an id changes epoch', () => {
    const plain = new Batch('b', records).framesFor(new StreamCursor(['a', 'b'], ['abc.3', 'abc.6']), 1)
    const wrapped = new Batch('b', records).framesFor(new StreamCursor(['a', 'b'], ['abc.3', 'abc.6']), 1, (length) => [
      `${length}[`,
      ']',
    ])
    expect(new TextDecoder().decode(wrapped)).toBe(`${plain.byteLength}[${new TextDecoder().decode(plain)}]`)
    const moved = new Batch('b', [{ ...(records[0] as (typeof records)[0]), id: 'xyz.1' }])
    const messages = parse(new TextDecoder().decode(moved.framesFor(new StreamCursor(['a', 'b'], ['abc.3', 'abc.6']), 1)))
    expect([...(decodeCursor(messages[0]?.id ?? '')?.values() ?? [])]).toEqual(['abc.3', 'xyz.1'])
  })
})
