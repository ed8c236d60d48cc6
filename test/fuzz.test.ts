import { createParser, type EventSourceMessage } from 'eventsource-parser'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RESERVED_TYPES } from '../src/event.js'
import { eventFrame } from '../src/frame.js'
import { createBroker, InvalidEventError, memoryStore } from '../src/index.js'

function parse(frame: string): EventSourceMessage[] {
  const messages: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (message) => messages.push(message) })
  parser.feed(frame)
  return messages
}

/** Any string, weighted towards the characters that break SSE framing. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\r', '\n', '\r\n', '\0', '\u2028', '\u2029', ':', ' ', 'data: ', 'id: ', 'event: ', '\ufeff', '🚀'),
    fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
    fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
  ),
  maxLength: 40,
})
const json = fc.jsonValue().map((value) => (value === undefined ? null : value))
const isValidField = (value: string) => value.length > 0 && value.length <= 100 && !/[\r\n\0]/.test(value) && value.isWellFormed()

describe('fuzzing the wire', () => {
  it('any payload and any valid type round-trip identically through our framing and eventsource-parser, as one frame', async () => {
    const broker = createBroker(memoryStore())
    await fc.assert(
      fc.asyncProperty(
        nasty.filter((t) => isValidField(t) && !RESERVED_TYPES.has(t)),
        nasty.filter(isValidField),
        fc.oneof(json, nasty),
        async (type, topic, payload) => {
          const stored = await broker.publish({ topic, type, payload })
          const record = { id: stored.id, topic, type, data: JSON.stringify(payload), createdAt: stored.createdAt }
          const messages = parse(eventFrame(record))
          expect(messages).toHaveLength(1)
          const [message] = messages as [EventSourceMessage]
          expect(message.event).toBe(type)
          expect(message.id).toBe(stored.id)
          expect(JSON.parse(message.data)).toEqual({
            id: stored.id,
            type,
            topic,
            payload: JSON.parse(JSON.stringify(payload)),
            createdAt: stored.createdAt,
          })
        },
      ),
      { numRuns: 1_000 },
    )
    await broker.close()
  })

  it('rejects every invalid type or topic at publish, writing nothing', async () => {
    const store = memoryStore()
    const broker = createBroker(store)
    await fc.assert(
      fc.asyncProperty(
        nasty.filter((t) => !isValidField(t) || RESERVED_TYPES.has(t)),
        fc.boolean(),
        async (bad, asType) => {
          const event = asType ? { topic: 't', type: bad, payload: 1 } : { topic: bad, type: 'ok', payload: 1 }
          await expect(broker.publish([{ topic: 't', type: 'ok', payload: 0 }, event])).rejects.toBeInstanceOf(InvalidEventError)
        },
      ),
      { numRuns: 500 },
    )
    expect((await store.heads(['t'])).get('t')).toMatch(/\.0$/)
    await broker.close()
  })
})
