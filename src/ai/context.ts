/**
 * `createResumableStreamContext()`: the API of the `resumable-stream` package (the one the AI SDK's
 * resume guide uses), on any durable-sse store instead of Redis. A stream is a topic of the store
 * (`stream-log.ts`); producing appends to it (`producer.ts`), resuming replays it (`replay.ts`).
 * @module
 */
import { type Broker, createBroker } from '../broker.js'
import type { EventStore } from '../store.js'
import { claimAndProduce, type ProducerOptions } from './producer.js'
import { openReplay, type ReplayOptions } from './replay.js'
import { topicOf } from './stream-log.js'
import { isFinished, readState, type StreamState } from './stream-state.js'

/** Options of {@link createResumableStreamContext}. */
export interface CreateResumableStreamContextOptions {
  /** The store that keeps the streams: your Postgres or SQLite (`postgresStore`, `sqliteStore`), migrated. */
  store: EventStore
  /**
   * A broker over that same store, to share its poller and group commit with your app's other
   * events. Default: a broker of the context's own over `store` (it runs no retention).
   */
  broker?: Broker<any>
  /** Streams live in the topics `<keyPrefix>:<streamId>`. Default `'ai-stream'`. */
  keyPrefix?: string
  /**
   * Keeps the current program alive until the promise settles (Next.js `after`, Vercel's
   * `waitUntil`); called with the work of each produced stream. `null` or absent on a server.
   */
  waitUntil?: ((promise: Promise<unknown>) => void) | null
  /** A producer whose source is silent appends an `alive` marker about this often, in ms. Default 5,000. */
  heartbeatMs?: number
  /**
   * A stream that gets no event for this long has a dead producer: a resumer ends it (appending
   * `abandoned`), and the producer stops retrying failed appends after it. In ms; must exceed
   * `heartbeatMs` plus the clock difference between app servers and the database. Default 30,000.
   */
  producerTimeoutMs?: number
  /** Largest chunk event, in bytes of JSON; a larger chunk is split (at most the broker's `maxPayloadBytes`). Default 32,768. */
  maxChunkBytes?: number
  /** Where failures of a producer's background appends go. Default `console.error`. */
  onError?: (error: unknown) => void
}

/** Creates, resumes and inspects resumable streams of text; made by {@link createResumableStreamContext}. */
export interface ResumableStreamContext {
  /**
   * Resumes the stream `streamId`, or creates it with `makeStream` when there is none yet (the
   * idempotent form). Resolves to the whole stream from its start (or after `skipCharacters`
   * characters), live until it ends; to `null` if retention deleted it.
   * @param streamId - The stream's id: unique per stream (an id names one stream until retention deletes it).
   * @param makeStream - Makes the source stream of strings; called only by the one caller that creates the stream.
   * @param skipCharacters - Characters to skip when resuming (ignored by the caller that creates the stream).
   */
  resumableStream(
    streamId: string,
    makeStream: () => ReadableStream<string>,
    skipCharacters?: number,
  ): Promise<ReadableStream<string> | null>
  /**
   * Resumes the stream `streamId`: every chunk from its start (or after `skipCharacters`
   * characters), then live ones until it ends; a finished stream replays and closes. Resolves to
   * `undefined` when there is no such stream, `null` when retention deleted it.
   * @param streamId - The stream's id.
   * @param skipCharacters - Characters to skip, e.g. those the client already has.
   */
  resumeExistingStream(streamId: string, skipCharacters?: number): Promise<ReadableStream<string> | null | undefined>
  /**
   * Creates the stream `streamId` from `makeStream`. If the id already names a stream (a concurrent
   * start, or a reused id), the first start wins and this resolves to a resume of it instead:
   * `makeStream` is never called twice for one id.
   * @param streamId - The stream's id: unique per stream.
   * @param makeStream - Makes the source stream of strings.
   * @param skipCharacters - Characters to skip if this turns out to be a resume.
   */
  createNewResumableStream(
    streamId: string,
    makeStream: () => ReadableStream<string>,
    skipCharacters?: number,
  ): Promise<ReadableStream<string> | null>
  /**
   * Whether the stream exists: `null` when there is none, `true` while it is being produced,
   * `'DONE'` once it ended (normally, with an error, or its producer died) or was deleted by retention.
   * @param streamId - The stream's id.
   */
  hasExistingStream(streamId: string): Promise<null | true | 'DONE'>
}

/**
 * Creates a context for resumable streams kept in your own database: chunks are appended as they
 * are produced; a resume replays them from the store and follows live ones, in any process, after
 * the producer died, and after the stream finished (until retention deletes it).
 * @example
 * import { createResumableStreamContext } from 'durable-sse/ai'
 * const streamContext = createResumableStreamContext({ store, waitUntil: after })
 * const stream = await streamContext.resumeExistingStream(chat.activeStreamId)
 */
export function createResumableStreamContext(options: CreateResumableStreamContextOptions): ResumableStreamContext {
  const { store } = options
  const broker = options.broker ?? createBroker(store)
  const keyPrefix = options.keyPrefix ?? 'ai-stream'
  const producerTimeoutMs = options.producerTimeoutMs ?? 30_000
  const producing: ProducerOptions = {
    store,
    broker,
    heartbeatMs: options.heartbeatMs ?? 5_000,
    producerTimeoutMs,
    maxChunkBytes: options.maxChunkBytes ?? 32_768,
    onError: options.onError ?? ((error) => console.error('[durable-sse/ai]', error)),
    waitUntil: options.waitUntil,
  }
  if (!(producing.heartbeatMs > 0 && producerTimeoutMs > producing.heartbeatMs)) {
    throw new RangeError('producerTimeoutMs must be greater than heartbeatMs, and both positive')
  }
  if (!(producing.maxChunkBytes >= 256)) throw new RangeError('maxChunkBytes must be at least 256')
  const replaying: ReplayOptions = { store, broker, producerTimeoutMs }

  const resume = (topic: string, state: StreamState & { kind: 'exists' }, skipCharacters = 0) => {
    if (!Number.isSafeInteger(skipCharacters) || skipCharacters < 0) {
      throw new RangeError(`skipCharacters must be a non-negative integer, got ${skipCharacters}`)
    }
    return openReplay({ topic, startId: state.startId, lastAt: state.lastAt, ended: state.ended }, skipCharacters, replaying)
  }

  const createOrResume = async (streamId: string, makeStream: () => ReadableStream<string>, skipCharacters?: number) => {
    const topic = topicOf(keyPrefix, streamId)
    const state = await readState(store, topic)
    if (state.kind === 'gone') return null
    if (state.kind === 'exists') return resume(topic, state, skipCharacters)
    const produced = await claimAndProduce(topic, state.startId, makeStream, producing)
    if (produced) return produced
    const started = await readState(store, topic) // another producer won the start
    return started.kind === 'exists' ? resume(topic, started, skipCharacters) : null
  }

  return {
    resumableStream: createOrResume,
    createNewResumableStream: createOrResume,
    async resumeExistingStream(streamId, skipCharacters) {
      const topic = topicOf(keyPrefix, streamId)
      const state = await readState(store, topic)
      if (state.kind === 'none') return undefined
      return state.kind === 'gone' ? null : resume(topic, state, skipCharacters)
    },
    async hasExistingStream(streamId) {
      const state = await readState(store, topicOf(keyPrefix, streamId))
      if (state.kind === 'none') return null
      return state.kind === 'exists' && !isFinished(state, producerTimeoutMs) ? true : 'DONE'
    },
  }
}
