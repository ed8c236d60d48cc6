/**
 * Producing a stream: claim the stream's topic with a `start` marker (the first one wins), then
 * read the source as fast as it produces, handing each chunk to the caller's stream at once and
 * appending it to the store, with `alive` heartbeats while the source is silent and a terminal
 * marker at the end. The source is read to its end even when the caller stops reading.
 * @module
 */
import type { Broker } from '../broker.js'
import type { EventStore } from '../store.js'
import { piecesOf } from './chunk-pieces.js'
import { ChunkWriter } from './chunk-writer.js'
import { MARKER, type StartPayload } from './stream-log.js'

/** Chunks waiting to be appended before reading the source pauses until they are. */
const MAX_BACKLOG = 1_000

/** What producing needs from the context. */
export interface ProducerOptions {
  /** The store (to see who won the start). */
  store: EventStore
  /** The broker the events are published through. */
  broker: Broker<any>
  /** Append an `alive` marker after this long without any other event, in ms. */
  heartbeatMs: number
  /** Keep retrying failing appends this long, in ms (resumers give the producer up after it). */
  producerTimeoutMs: number
  /** Largest `chunk` payload, in bytes; larger chunks are split. */
  maxChunkBytes: number
  /** Where failures of the background work go. */
  onError: (error: unknown) => void
  /** Keeps a serverless function alive until the promise settles. */
  waitUntil: ((promise: Promise<unknown>) => void) | null | undefined
}

/**
 * Appends a `start` marker to `topic` and, if it is the topic's first event, runs `makeStream` and
 * returns the caller's copy of its output; returns `undefined` when another producer started first.
 */
export async function claimAndProduce(
  topic: string,
  startId: string,
  makeStream: () => ReadableStream<string>,
  options: ProducerOptions,
): Promise<ReadableStream<string> | undefined> {
  const producer = crypto.randomUUID()
  const marker = await options.broker.publish({ topic, type: MARKER.start, payload: { producer } satisfies StartPayload })
  const [first] = (await options.store.readAfter([{ topic, after: startId }], 1)).get(topic) ?? []
  if (first?.id !== marker.id) return undefined

  const writer = new ChunkWriter(options.broker, topic, { retryForMs: options.producerTimeoutMs, onError: options.onError })
  let controller!: ReadableStreamDefaultController<string>
  let readerGone = false
  const copy = new ReadableStream<string>({
    start: (c) => {
      controller = c
    },
    cancel: () => {
      readerGone = true
    },
  })
  const toReader = (deliver: () => void) => {
    if (readerGone) return
    try {
      deliver()
    } catch {
      readerGone = true // the caller's stream was closed under us: the source is still read to its end
    }
  }

  let source: ReadableStream<string>
  try {
    source = makeStream()
  } catch (error) {
    writer.add(MARKER.failed, { message: messageOf(error) })
    await writer.drained()
    throw error
  }
  const produced = pump(source, writer, toReader, controller, options)
  options.waitUntil?.(produced)
  return copy
}

/** Reads `source` to its end into `writer` and the caller's stream; resolves once everything is appended. */
async function pump(
  source: ReadableStream<string>,
  writer: ChunkWriter,
  toReader: (deliver: () => void) => void,
  controller: ReadableStreamDefaultController<string>,
  options: ProducerOptions,
): Promise<void> {
  const heartbeat = setInterval(() => {
    if (performance.now() - writer.lastAddAt >= options.heartbeatMs) writer.add(MARKER.alive, {})
  }, options.heartbeatMs / 2)
  heartbeat.unref()
  const reader = source.getReader()
  let index = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (typeof value !== 'string') throw new TypeError(`makeStream() must return a stream of strings, got ${typeof value}`)
      if (value.length > 0)
        for (const text of piecesOf(value, options.maxChunkBytes)) writer.add(MARKER.chunk, { index: index++, text })
      toReader(() => controller.enqueue(value))
      if (writer.backlog > MAX_BACKLOG) await writer.drained()
    }
    writer.add(MARKER.done, {})
    toReader(() => controller.close())
  } catch (error) {
    writer.add(MARKER.failed, { message: messageOf(error) })
    toReader(() => controller.error(error))
    reader.cancel(error).catch(() => {})
  } finally {
    clearInterval(heartbeat)
    await writer.drained()
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
