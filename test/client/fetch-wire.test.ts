/**
 * The fetch transport reads event streams by the WHATWG rules: fuzzed streams cut at random byte
 * offsets, and the named cases the framing tests use (CR, LF, CRLF, U+2028, NUL, long lines,
 * comments, `retry:`, BOMs), each compared with `eventsource-parser` given the whole text at once.
 * The named cases also go through the whole transport over real HTTP, one write per cut.
 */
import type { ServerResponse } from 'node:http'
import { createParser } from 'eventsource-parser'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEventStream } from '../../src/client/event-stream.js'
import { connect } from '../../src/client/index.js'
import type { Frame } from '../../src/client/link.js'
import { httpServer, type Running } from '../helpers/servers.js'
import { until } from '../helpers/wait.js'
import { readOnceOverFetch } from './read-once.js'
import { chunksOf, WIRE_CASES } from './wire-cases.js'

interface Parsed {
  frames: Frame[]
  retries: number[]
}

/**
 * The reference: the spec's UTF-8 decode (one BOM stripped), then eventsource-parser over the
 * whole text, then the end of the stream, which ends a line left open by a final CR (the parser
 * alone waits for a possible LF; the spec test below pins the right behaviour).
 */
function reference(bytes: Uint8Array): Parsed {
  const parsed: Parsed = { frames: [], retries: [] }
  const parser = createParser({
    onEvent: (message) => parsed.frames.push({ type: message.event ?? 'message', data: message.data, id: message.id }),
    onRetry: (ms) => parsed.retries.push(ms),
  })
  const text = new TextDecoder().decode(bytes)
  parser.feed(text)
  if (text.endsWith('\r')) parser.feed('\n')
  return parsed
}

/** What the fetch transport's reader makes of the same bytes arriving in `chunks`. */
async function transport(chunks: Uint8Array[]): Promise<Parsed> {
  const parsed: Parsed = { frames: [], retries: [] }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk)
      controller.close()
    },
  })
  await readEventStream(body, { frame: (frame) => parsed.frames.push(frame), retry: (ms) => parsed.retries.push(ms) })
  return parsed
}

const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks))

/** A field value: any text without line ends, weighted towards what breaks parsers. */
const value = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('\0', '\u2028', '\u2029', ':', ' ', '\ufeff', '🚀', 'é', 'data', 'id', 'event', 'retry', '\ud800'),
      fc.integer({ min: 0, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
    ),
    maxLength: 30,
  })
  .map((text) => text.replace(/[\r\n]/g, ''))
const line = fc.oneof(
  value.map((text) => `data:${text}`),
  value.map((text) => `data: ${text}`),
  value.map((text) => `id: ${text}`),
  value.map((text) => `event: ${text}`),
  fc.nat({ max: 100_000 }).map((ms) => `retry: ${ms}`),
  value.map((text) => `retry: ${text}`),
  value.map((text) => `:${text}`),
  value,
  fc.constantFrom('', '', '', 'data', 'id', 'event', `data: ${'y'.repeat(70_000)}`),
)
const stream = fc
  .tuple(fc.boolean(), fc.array(fc.tuple(line, fc.constantFrom('\n', '\r', '\r\n')), { maxLength: 40 }))
  .map(([bom, lines]) => `${bom ? '\ufeff' : ''}${lines.map(([text, end]) => text + end).join('')}`)
  // eventsource-parser also strips "ï»¿" (a BOM read as latin1) at the start; the spec does not.
  .filter((text) => !text.replace(/^\ufeff/, '').startsWith('ï»¿'))

describe('the fetch transport reads event streams as the WHATWG parser does', () => {
  it('for any stream cut at any byte offsets', async () => {
    await fc.assert(
      fc.asyncProperty(stream, fc.array(fc.nat(), { maxLength: 12 }), async (text, rawCuts) => {
        const bytes = new TextEncoder().encode(text)
        const cuts = [...new Set(rawCuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b)
        const chunks = chunksOf({ name: 'fuzz', text, cuts })
        expect(await transport(chunks)).toEqual(reference(bytes))
      }),
      { numRuns: 1_000 },
    )
  })

  it.each(WIRE_CASES.map((wire) => [wire.name, wire] as const))('%s', async (_name, wire) => {
    const chunks = chunksOf(wire)
    const expected = reference(concat(chunks))
    expect(await transport(chunks)).toEqual(expected)
  })

  it('by the spec, not only like the reference, on the named cases', async () => {
    const framesOf = async (name: string) =>
      (await transport(chunksOf(WIRE_CASES.find((wire) => wire.name === name) as (typeof WIRE_CASES)[number]))).frames
    // The last CR ends the last line: the stream has ended, no LF can follow.
    expect(await framesOf('CR line ends')).toEqual([
      { type: 'a', data: 'one', id: undefined },
      { type: 'message', data: 'two', id: undefined },
    ])
    expect(await framesOf('mixed line ends')).toEqual([{ type: 'message', data: 'a\nb\nc', id: undefined }, expect.anything()])
    expect(await framesOf('U+2028 and U+2029 are not line ends')).toEqual([
      { type: 'message', data: 'a\u2028b\u2029c', id: 'i\u20281' },
    ])
    expect(await framesOf('NUL in data is kept, an id with NUL is ignored')).toEqual([
      { type: 'message', data: 'a\0b', id: 'good' },
      { type: 'message', data: 'c', id: undefined },
    ])
    expect((await framesOf('a 100 KB line in many writes'))[0]?.data).toHaveLength(100_000)
    expect(await framesOf('one leading BOM is stripped')).toEqual([{ type: 'message', data: 'a', id: undefined }])
    expect(await framesOf('a second BOM is part of the field name')).toEqual([{ type: 'message', data: 'b', id: undefined }])
    expect(await framesOf('a multibyte character cut mid-sequence')).toEqual([{ type: 'message', data: '🚀é', id: undefined }])
    expect(await framesOf('no space, or two, after the colon')).toEqual([{ type: 'x', data: 'a\n b', id: undefined }])
    expect(await framesOf('a field without a colon')).toEqual([
      { type: 'message', data: '\n', id: undefined },
      { type: 'message', data: 'typed?', id: undefined },
    ])
    expect(await framesOf('an id persists and an empty id clears it')).toEqual([
      { type: 'message', data: 'a', id: '1' },
      { type: 'message', data: 'b', id: undefined },
      { type: 'message', data: 'c', id: '' },
    ])
    expect(await framesOf('an unterminated last frame is discarded')).toEqual([{ type: 'message', data: 'kept', id: undefined }])
    expect((await transport(chunksOf(WIRE_CASES[9] as (typeof WIRE_CASES)[number]))).retries).toEqual([1500])
  })
})

describe('the fetch transport over real HTTP', () => {
  let server: Running
  /** Where each request's Last-Event-ID pointed, by path. */
  const resumedWith = new Map<string, (string | undefined)[]>()

  const writeCut = async (res: ServerResponse, chunks: Uint8Array[]) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    for (const chunk of chunks) {
      res.write(chunk)
      await new Promise((resolve) => setImmediate(resolve))
    }
    res.end()
  }

  beforeAll(async () => {
    server = await httpServer(async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname
      const seen = resumedWith.get(path) ?? []
      seen.push(req.headers['last-event-id'] as string | undefined)
      resumedWith.set(path, seen)
      const index = /^\/case\/(\d+)$/.exec(path)?.[1]
      if (index !== undefined) return writeCut(res, chunksOf(WIRE_CASES[Number(index)] as (typeof WIRE_CASES)[number]))
      // /ids: 'id: 1' on the first connection, an empty id on the second, nothing after.
      const texts = ['retry: 10\nid: 1\nevent: e\ndata: {}\n\n', 'retry: 10\nid\nevent: e\ndata: {}\n\n', 'retry: 10\n\n']
      return writeCut(res, [new TextEncoder().encode(texts[seen.length - 1] ?? 'retry: 10\n\n')])
    })
  })
  afterAll(() => server.close())

  it.each(WIRE_CASES.map((wire, index) => [wire.name, index] as const))('%s', async (_name, index) => {
    const frames = await readOnceOverFetch(`${server.url}/case/${index}`)
    expect(frames).toEqual(reference(concat(chunksOf(WIRE_CASES[index] as (typeof WIRE_CASES)[number]))).frames)
  })

  it('resumes with the last event id, and without one once the server sent an empty id', async () => {
    const connection = connect(`${server.url}/ids`, { handlers: {}, headers: {}, backoffMs: 10 })
    await until(() => (resumedWith.get('/ids')?.length ?? 0) >= 3, 5_000, 'three connections')
    connection.close()
    expect(resumedWith.get('/ids')?.slice(0, 3)).toEqual([undefined, '1', undefined])
  })
})
