import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { describe, expect, it } from 'vitest'
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
