import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
import { Batch } from '../src/batch.js'
import { decodeCursor, topicHash } from '../src/cursor.js'
import { eventFrame } from '../src/frame.js'
import { SseWriter } from '../src/sse/writer.js'

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

/** A writer over `topics` from `starts` whose bytes land in `out`. */
function writerOf(topics: string[], starts: string[], out: Uint8Array[]): SseWriter {
  return new SseWriter({ write: (bytes) => out.push(bytes) > 0, end: () => {} }, topics, starts, 2_000)
}

describe('frames of a stream over several topics', () => {
  const records = [
    { id: 'abc.7', topic: 'b', type: 't', data: JSON.stringify(awkward.CRLF), createdAt: '2026-11-28T07:00:00.000Z' },
    { id: 'abc.8', topic: 'b', type: 't', data: JSON.stringify(awkward.emoji), createdAt: '2026-11-28T07:00:00.000Z' },
  ]
  const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes)

  it('share the event bytes, and carry the stream cursor after each event as its id', () => {
    const out: Uint8Array[] = []
    const writer = writerOf(['a', 'b'], ['abc.3', 'abc.6'], out)
    writer.write(new Batch('b', records))
    writer.write(new Batch('a', [{ ...(records[0] as (typeof records)[0]), id: 'abc.4', topic: 'a' }]))
    const messages = parse(out.map(text).join(''))
    expect(messages.map((m) => JSON.parse(m.data).id)).toEqual(['abc.7', 'abc.8', 'abc.4'])
    expect(messages.map((m) => Object.fromEntries(decodeCursor(m.id ?? '') ?? []))).toEqual([
      { [topicHash('a')]: 'abc.3', [topicHash('b')]: 'abc.7' },
      { [topicHash('a')]: 'abc.3', [topicHash('b')]: 'abc.8' },
      { [topicHash('a')]: 'abc.4', [topicHash('b')]: 'abc.8' },
    ])
  })

  it('are one buffer for the streams at the same positions, and their own for a stream elsewhere', () => {
    const batch = new Batch('b', records)
    const [first, second, elsewhere]: Uint8Array[][] = [[], [], []]
    writerOf(['a', 'b'], ['abc.3', 'abc.6'], first as Uint8Array[]).write(batch)
    writerOf(['a', 'b'], ['abc.3', 'abc.6'], second as Uint8Array[]).write(batch)
    writerOf(['a', 'b'], ['abc.5', 'abc.6'], elsewhere as Uint8Array[]).write(batch)
    expect(second?.[0]).toBe(first?.[0])
    expect(elsewhere?.[0]).not.toBe(first?.[0])
    expect(text(elsewhere?.[0])).toBe(text(first?.[0]).replaceAll(`${topicHash('a')}3`, `${topicHash('a')}5`))
  })

  it('carry a whole cursor when an id changes epoch', () => {
    const out: Uint8Array[] = []
    writerOf(['a', 'b'], ['abc.3', 'abc.6'], out).write(new Batch('b', [{ ...(records[0] as (typeof records)[0]), id: 'xyz.1' }]))
    const messages = parse(out.map(text).join(''))
    expect([...(decodeCursor(messages[0]?.id ?? '')?.values() ?? [])]).toEqual(['abc.3', 'xyz.1'])
  })
})
