/**
 * What a receiver takes from a bus message (`continuation.ts`) and how messages are made
 * (`bus-codec.ts`): only the events that continue the topic's position; a gap, another epoch or
 * ids without positions send it to the store; an event too big for the bus goes as a wake-up.
 */
import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessages } from '../src/bus-codec.js'
import { continuation } from '../src/continuation.js'
import { type EventRecord, parseEventId } from '../src/index.js'

const record = (id: string, topic = 't'): EventRecord => ({
  id,
  topic,
  type: 'n',
  data: '{"a":1}',
  createdAt: '2026-12-06T00:00:00.000Z',
})
const ids = (records: readonly EventRecord[]) => records.map((r) => r.id)

describe('continuation', () => {
  it('takes the events right after the position', () => {
    const { next, gap } = continuation(parseEventId, 'e.4', [record('e.5'), record('e.6')])
    expect([ids(next), gap]).toEqual([['e.5', 'e.6'], false])
  })

  it('drops what was delivered already and takes the rest', () => {
    const { next, gap } = continuation(parseEventId, 'e.5', [record('e.4'), record('e.5'), record('e.6')])
    expect([ids(next), gap]).toEqual([['e.6'], false])
  })

  it('takes nothing and asks for a read when the message starts past the next position', () => {
    expect(continuation(parseEventId, 'e.4', [record('e.6'), record('e.7')])).toEqual({ next: [], gap: true })
  })

  it('takes the consecutive part and asks for a read at a gap inside the message', () => {
    const { next, gap } = continuation(parseEventId, 'e.4', [record('e.5'), record('e.7')])
    expect([ids(next), gap]).toEqual([['e.5'], true])
  })

  it('asks for a read for another epoch, or ids without positions', () => {
    expect(continuation(parseEventId, 'e.4', [record('f.5')])).toEqual({ next: [], gap: true })
    expect(continuation(undefined, 'e.4', [record('e.5')])).toEqual({ next: [], gap: true })
  })
})

describe('bus messages', () => {
  it('makes one message per topic that decodes to the same events', () => {
    const records = [record('e.1', 'a'), record('e.1', 'b'), record('e.2', 'a')]
    const messages = encodeMessages(records, 1_000_000)
    expect(messages.map((m) => m.topic)).toEqual(['a', 'b'])
    expect(messages.map((m) => decodeMessage(m.text))).toEqual([
      { topic: 'a', records: [records[0], records[2]] },
      { topic: 'b', records: [records[1]] },
    ])
  })

  it("sends events over the limit as a wake-up naming the topic's last id", () => {
    const [message] = encodeMessages([record('e.1'), record('e.2')], 100)
    expect(decodeMessage(message?.text as string)).toEqual({ topic: 't', head: 'e.2' })
  })

  it('ignores what is not a message', () => {
    for (const text of ['', 'null', '{"t":1}', '{"t":"a","r":[["x"]]}', '{"t":"a","r":[[1,2,3,4]]}']) {
      expect(decodeMessage(text)).toBeUndefined()
    }
  })
})
