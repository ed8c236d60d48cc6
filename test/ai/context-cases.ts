/**
 * The semantics of `createResumableStreamContext()` (those of `resumable-stream` where they make
 * sense, and ours where they differ), registered for one store; each store's test file calls
 * {@link contextCases}.
 */
import { expect, it } from 'vitest'
import { type CreateResumableStreamContextOptions, createResumableStreamContext } from '../../src/ai/index.js'
import { MARKER } from '../../src/ai/stream-log.js'
import { type Broker, BrokerClosedError, createBroker, type EventStore, InvalidTopicError } from '../../src/index.js'
import { until } from '../helpers/wait.js'
import { readAll, readAtLeast, source, within } from './streams.js'

let contexts = 0

/** Registers the cases; `store()` gives the (migrated) store of the current test. */
export function contextCases(store: () => Promise<EventStore>): void {
  /** A context with its own key prefix (so tests sharing a store never share a stream). */
  const open = async (
    options:
      | Partial<CreateResumableStreamContextOptions>
      | ((store: EventStore) => Partial<CreateResumableStreamContextOptions>) = {},
  ) => {
    const opened = await store()
    const keyPrefix = `ai-test-${process.pid}-${++contexts}`
    const given = typeof options === 'function' ? options(opened) : options
    const context = createResumableStreamContext({ store: opened, keyPrefix, onError: (error) => errors.push(error), ...given })
    const errors: unknown[] = []
    return { context, store: opened, keyPrefix, errors }
  }
  /** A context on a broker of the test's own (no heartbeats), to watch its subscribers or close it. */
  const openWithBroker = async () => {
    let broker!: Broker
    const opened = await open((given) => {
      broker = createBroker(given, { heartbeatMs: 0 })
      return { broker }
    })
    return { ...opened, broker }
  }
  const never = () => {
    throw new Error('makeStream must not be called')
  }

  it('acts like the source stream for its creator, and hasExistingStream follows it: null, true, DONE', async () => {
    const { context, errors } = await open()
    const input = source()
    expect(await context.hasExistingStream('s')).toBe(null)
    const stream = await context.resumableStream('s', () => input.stream)
    expect(await context.hasExistingStream('s')).toBe(true)
    expect(await context.hasExistingStream('other')).toBe(null)
    input.write('1\n')
    input.write('2\n')
    input.close()
    expect(await readAll(stream)).toBe('1\n2\n')
    await until(async () => (await context.hasExistingStream('s')) === 'DONE', 5_000, 'the done marker')
    expect(errors).toEqual([])
  })

  it('resumes before the first chunk, in the middle, and after the end: every chunk once, in order', async () => {
    const { context } = await open()
    const input = source()
    const first = await context.resumableStream('s', () => input.stream)
    const early = await context.resumableStream('s', never)
    input.write('a')
    input.write('bc')
    const reader = first!.getReader()
    expect(await readAtLeast(reader, 3)).toBe('abc')
    const middle = await context.resumeExistingStream('s')
    input.write('d')
    input.close()
    expect(await readAll(early)).toBe('abcd')
    expect(await readAll(middle)).toBe('abcd')
    expect((await reader.read()).value).toBe('d')
    // A finished stream replays (resumable-stream answers null): the AI SDK resume after a reload.
    await until(async () => (await context.hasExistingStream('s')) === 'DONE', 5_000, 'the done marker')
    expect(await readAll(await context.resumeExistingStream('s'))).toBe('abcd')
    expect(await readAll(await context.resumableStream('s', never))).toBe('abcd')
    expect(await readAll(await context.createNewResumableStream('s', never))).toBe('abcd')
  })

  it('follows a live stream: a resumer receives each chunk while the producer is still running', async () => {
    const { context } = await open()
    const input = source()
    await context.createNewResumableStream('s', () => input.stream)
    const resumed = (await context.resumeExistingStream('s'))!.getReader()
    for (const chunk of ['one ', 'two ', 'three ']) {
      input.write(chunk)
      expect(await readAtLeast(resumed, chunk.length)).toBe(chunk)
    }
    input.close()
    expect((await within(resumed.read(), 5_000, 'the end')).done).toBe(true)
  })

  it('skips the first skipCharacters characters, across chunk boundaries', async () => {
    const { context } = await open()
    const input = source()
    await context.resumableStream('s', () => input.stream)
    input.write('1\n')
    input.write('2\n')
    input.write('3\n')
    input.close()
    expect(await readAll(await context.resumeExistingStream('s', 0))).toBe('1\n2\n3\n')
    expect(await readAll(await context.resumeExistingStream('s', 2))).toBe('2\n3\n')
    expect(await readAll(await context.resumeExistingStream('s', 3))).toBe('\n3\n')
    expect(await readAll(await context.resumableStream('s', never, 6))).toBe('')
    expect(await readAll(await context.resumeExistingStream('s', 99))).toBe('')
    await expect(context.resumeExistingStream('s', -1)).rejects.toThrow(RangeError)
    await expect(context.resumeExistingStream('s', Number.NaN)).rejects.toThrow(RangeError)
  })

  it('answers undefined for a stream that never existed, and keeps streams apart', async () => {
    const { context } = await open()
    expect(await context.resumeExistingStream('nothing')).toBe(undefined)
    const [a, b] = [source(), source()]
    const streamA = await context.resumableStream('a', () => a.stream)
    const streamB = await context.resumableStream('b', () => b.stream)
    a.write('from a')
    b.write('from b')
    a.close()
    b.close()
    expect([await readAll(streamA), await readAll(streamB)]).toEqual(['from a', 'from b'])
    expect(await readAll(await context.resumeExistingStream('a'))).toBe('from a')
    expect(await readAll(await context.resumeExistingStream('b'))).toBe('from b')
  })

  it('concurrent starts of one id, in one context and in two brokers: one makeStream call, everyone gets the same stream', async () => {
    const { context, store: opened, keyPrefix } = await open()
    const otherBroker = createBroker(opened, { heartbeatMs: 0 })
    const other = createResumableStreamContext({ store: opened, broker: otherBroker, keyPrefix })
    const calls: string[] = []
    const inputs = [source(), source(), source(), source()]
    const starts = inputs.map((input, i) =>
      (i % 2 === 0 ? context : other).resumableStream('race', () => {
        calls.push(`caller ${i}`)
        return input.stream
      }),
    )
    const streams = await Promise.all(starts)
    expect(calls).toHaveLength(1)
    const winner = inputs[Number(calls[0]?.slice(-1))]!
    winner.write('only ')
    winner.write('once')
    winner.close()
    for (const stream of streams) expect(await readAll(stream)).toBe('only once')
    await otherBroker.close()
  })

  it('a chunk larger than maxChunkBytes is split into events within the limit and comes back identical', async () => {
    const { context, store: opened, keyPrefix } = await open({ maxChunkBytes: 1_024 })
    const input = source()
    const stream = await context.resumableStream('big', () => input.stream)
    const big = `${'é"\n\u0001😀'.repeat(900)}end`
    input.write(big)
    input.write('small')
    input.close()
    expect(await readAll(stream)).toBe(`${big}small`)
    expect(await readAll(await context.resumeExistingStream('big'))).toBe(`${big}small`)
    const topic = `${keyPrefix}:big`
    const head = (await opened.heads([topic])).get(topic) as string
    const events = (await opened.readAfter([{ topic, after: `${head.split('.')[0]}.0` }], 1_000)).get(topic) ?? []
    const chunks = events.filter((event) => event.type === MARKER.chunk)
    expect(chunks.length).toBeGreaterThan(10)
    for (const chunk of chunks) expect(Buffer.byteLength(chunk.data)).toBeLessThanOrEqual(1_024)
  })

  it('a source that errors: its creator gets the error, resumers get what was produced and an end', async () => {
    const { context } = await open()
    const input = source()
    const stream = await context.resumableStream('s', () => input.stream)
    const live = await context.resumeExistingStream('s')
    input.write('partial')
    input.fail(new Error('model failed'))
    await expect(readAll(stream)).rejects.toThrow('model failed')
    expect(await readAll(live)).toBe('partial')
    expect(await readAll(await context.resumeExistingStream('s'))).toBe('partial')
    expect(await context.hasExistingStream('s')).toBe('DONE')
  })

  it('a producer that is silent but alive (heartbeats) is never given up, however long it thinks', async () => {
    const { context } = await open({ heartbeatMs: 50, producerTimeoutMs: 300 })
    const input = source()
    await context.resumableStream('s', () => input.stream)
    const resumed = (await context.resumeExistingStream('s'))!.getReader()
    input.write('before ')
    expect(await readAtLeast(resumed, 7)).toBe('before ')
    await new Promise((resolve) => setTimeout(resolve, 1_000)) // the silence under test: over three timeouts
    expect(await context.hasExistingStream('s')).toBe(true)
    input.write('after')
    input.close()
    expect(await readAtLeast(resumed, 5)).toBe('after')
    expect((await within(resumed.read(), 5_000, 'the end')).done).toBe(true)
  })

  it('the creator may stop reading: the source is still read to its end and stored', async () => {
    const { context } = await open()
    const input = source()
    const stream = await context.resumableStream('s', () => input.stream)
    await stream!.cancel()
    input.write('kept ')
    input.write('anyway')
    input.close()
    expect(await readAll(await context.resumeExistingStream('s'))).toBe('kept anyway')
  })

  it('a resumer that cancels ends its subscription', async () => {
    const { context, broker } = await openWithBroker()
    const input = source()
    await context.resumableStream('s', () => input.stream)
    const resumed = await context.resumeExistingStream('s')
    await until(() => broker.stats().subscribers === 1, 5_000, 'the resumer to subscribe')
    await resumed!.cancel()
    await until(() => broker.stats().subscribers === 0, 5_000, 'the resumer to unsubscribe')
    input.close()
    await broker.close()
  })

  it('a resumer whose broker closes (a graceful restart) errors with BrokerClosedError rather than ending as if complete', async () => {
    const { context, broker } = await openWithBroker()
    const input = source()
    await context.resumableStream('s', () => input.stream)
    const resumed = (await context.resumeExistingStream('s'))!.getReader()
    input.write('first')
    expect(await readAtLeast(resumed, 5)).toBe('first')
    await broker.close()
    await expect(within(resumed.read(), 5_000, 'the resumer to notice the close')).rejects.toThrow(BrokerClosedError)
    input.close()
  })

  it('after retention deleted a stream: resume answers null, hasExistingStream DONE, makeStream is not called', async () => {
    const { context, store: opened } = await open()
    const input = source()
    const stream = await context.resumableStream('s', () => input.stream)
    input.write('old')
    input.close()
    expect(await readAll(stream)).toBe('old')
    await until(async () => (await context.hasExistingStream('s')) === 'DONE', 5_000, 'the done marker')
    await opened.deleteBefore(new Date(Date.now() + 60_000))
    expect(await context.resumeExistingStream('s')).toBe(null)
    expect(await context.resumableStream('s', never)).toBe(null)
    expect(await context.hasExistingStream('s')).toBe('DONE')
  })

  it('rejects an unusable stream id and bad options with clear errors', async () => {
    const { context, store: opened } = await open()
    await expect(context.resumeExistingStream('a\nb')).rejects.toThrow(InvalidTopicError)
    await expect(context.resumeExistingStream('x'.repeat(300))).rejects.toThrow(InvalidTopicError)
    await expect(context.hasExistingStream('')).rejects.toThrow(TypeError)
    expect(() => createResumableStreamContext({ store: opened, heartbeatMs: 1_000, producerTimeoutMs: 500 })).toThrow(RangeError)
    expect(() => createResumableStreamContext({ store: opened, maxChunkBytes: 10 })).toThrow(RangeError)
  })
}
