/** The screen between store reads and the wire: what passes, what is left out, and that each corrupt event is reported once. */
import { describe, expect, it } from 'vitest'
import { eventFrame } from '../src/frame.js'
import { CorruptEventError, type EventRecord } from '../src/index.js'
import { RecordScreen } from '../src/screen.js'

const record = (id: number, fields: Partial<EventRecord> = {}): EventRecord => ({
  id: `abc.${id}`,
  topic: 't',
  type: 'x',
  data: `{"n":${id}}`,
  createdAt: '2026-11-28T07:00:00.000Z',
  ...fields,
})

function screened(records: EventRecord[]): { passed: readonly EventRecord[]; reports: CorruptEventError[] } {
  const reports: CorruptEventError[] = []
  const screen = new RecordScreen((error) => reports.push(error))
  return { passed: screen.pass('t', records), reports }
}

describe('RecordScreen', () => {
  it('passes valid records as the same array', () => {
    const records = [record(1), record(2)]
    expect(screened(records).passed).toBe(records)
  })

  it.each([
    ['a newline in data', { data: '{"n":"P"}\n\nevent: evil\ndata: x' }, 'its data is not JSON'],
    ['invalid JSON', { data: '{not json' }, 'its data is not JSON'],
    ['a newline in the type', { type: 'ev\nevent: evil' }, 'its type holds CR, LF or NUL'],
    ['NUL in the type', { type: 'a\0b' }, 'its type holds CR, LF or NUL'],
    ['a reserved type', { type: 'connected' }, 'its type "connected" is reserved'],
    ['an empty type', { type: '' }, 'its type is not a non-empty string'],
    ['another topic', { topic: 'u' }, 'its topic "u" is not the topic read'],
    ['an id with a space', { id: 'abc 2' }, 'its id is not printable ASCII'],
    ['an id with a newline', { id: 'abc.2\nevent: x' }, 'its id is not printable ASCII'],
  ] as Array<[string, Partial<EventRecord>, string]>)('leaves out a record with %s and reports why', (_name, fields, reason) => {
    const { passed, reports } = screened([record(1), record(2, fields), record(3)])
    expect(passed.map((r) => r.id)).toEqual(['abc.1', 'abc.3'])
    expect(reports).toHaveLength(1)
    expect(reports[0]).toBeInstanceOf(CorruptEventError)
    expect(reports[0]).toMatchObject({ code: 'CORRUPT_EVENT', topic: 't', id: fields.id ?? 'abc.2', reason })
  })

  it('reports a corrupt record read again only once', () => {
    const reports: CorruptEventError[] = []
    const screen = new RecordScreen((error) => reports.push(error))
    const bad = record(2, { data: 'nope' })
    screen.pass('t', [record(1), bad])
    screen.pass('t', [bad, record(3)])
    expect(reports.map((error) => error.id)).toEqual(['abc.2'])
  })

  it('joins valid JSON spread over several lines into one data line', () => {
    const { passed, reports } = screened([record(1, { data: '{\r\n  "a": 1,\n  "b": [2,\n3]\n}' })])
    expect(reports).toEqual([])
    const frame = eventFrame(passed[0] as EventRecord)
    expect(frame.split('\n').filter((line) => line.startsWith('data:'))).toHaveLength(1)
    expect(JSON.parse(frame.split('\n')[2]?.slice('data: '.length) as string).payload).toEqual({ a: 1, b: [2, 3] })
  })
})
