/**
 * A process of the `ai-streams` scenario; the orchestrator uses one in each of two roles, over the same store:
 * - `producer`: `create` starts resumable streams (`durable-sse/ai`) whose sources wait for
 *   `produce`, which emits `tokens` AI-SDK-like SSE chunks per stream (as fast as possible, or
 *   paced), each stamped with the machine-wide monotonic clock, and answers once every chunk and
 *   every done marker is committed;
 * - `resumer`: `follow` resumes the streams (live, before production starts), and `collect` waits
 *   for their ends and answers the produced → received latency of every chunk, and whether each
 *   stream arrived whole and in order.
 * @module
 */
import { createResumableStreamContext, type ResumableStreamContext } from '../../src/ai/index.js'
import type { EventStore } from '../../src/index.js'
import { encodeHistogram, newHistogram, recordUs } from '../lib/histogram.js'
import { openStore, type StoreConfig } from '../lib/stores.js'
import { serve, startArgs } from '../lib/worker.js'

/** Start arguments. */
export interface AiStreamsStart {
  /** The store both processes open. */
  store: StoreConfig
}

/** Arguments of `produce`: tokens per stream, and the pause between a stream's tokens (0: as fast as possible). */
export interface AiStreamsProduce {
  tokens: number
  intervalMs: number
}

/** Answer of `produce`. */
export interface AiStreamsProduced {
  /** Chunks appended. */
  chunks: number
  /** From the first token to the last stream's done marker committed, in ms. */
  elapsedMs: number
}

/** Answer of `collect`. */
export interface AiStreamsCollected {
  /** Chunks received, over all streams. */
  received: number
  /** Streams that did not arrive whole and in order. */
  broken: number
  /** Produced → received latency of every chunk (encoded histogram, µs). */
  histogram: string
}

const start = startArgs<AiStreamsStart>()
const store: EventStore = await openStore(start.store)
const nowNs = () => process.hrtime.bigint()

/** One chunk as the AI SDK would stream it, with the token's index and production time. */
function tokenChunk(index: number): string {
  return `data: {"type":"text-delta","id":"t1","delta":"tok ","i":${index},"t":"${nowNs()}"}\n\n`
}
const STAMP = /"i":(\d+),"t":"(\d+)"/

// Producer state: the sources of the created streams, waiting for `produce`.
let go: (settings: AiStreamsProduce) => void = () => {}
let settings: Promise<AiStreamsProduce> = new Promise((resolve) => (go = resolve))
let produced: Promise<unknown>[] = []
let firstTokenAt = 0
const context: ResumableStreamContext = createResumableStreamContext({
  store,
  waitUntil: (promise) => {
    produced.push(promise)
  },
})

/** A source that emits `tokens` chunks once `produce` says go. */
function source(): ReadableStream<string> {
  let index = 0
  let next = 0
  return new ReadableStream<string>({
    async pull(controller) {
      const { tokens, intervalMs } = await settings
      if (index === 0) {
        firstTokenAt ||= performance.now()
        next = performance.now()
      }
      if (index === tokens) return controller.close()
      if (intervalMs > 0) {
        next += intervalMs
        const wait = next - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      }
      controller.enqueue(tokenChunk(index++))
    },
  })
}

// Resumer state: one reader per followed stream.
let following: Promise<{ received: number; whole: boolean }>[] = []
let histogram = newHistogram()

/** Reads a resumed stream to its end, recording each chunk's latency. */
async function read(stream: ReadableStream<string>, tokens: number): Promise<{ received: number; whole: boolean }> {
  let expected = 0
  let whole = true
  for await (const chunk of stream as unknown as AsyncIterable<string>) {
    const at = nowNs()
    for (const event of chunk.split('\n\n')) {
      const stamp = STAMP.exec(event)
      if (!stamp) continue
      recordUs(histogram, Number(at - BigInt(stamp[2] as string)) / 1_000)
      if (Number(stamp[1]) !== expected) whole = false
      expected++
    }
  }
  return { received: expected, whole: whole && expected === tokens }
}

serve(
  {
    async create({ ids }: { ids: string[] }) {
      settings = new Promise((resolve) => (go = resolve))
      produced = []
      firstTokenAt = 0
      const streams = await Promise.all(ids.map((id) => context.createNewResumableStream(id, source)))
      // The producer's own copies are read (and dropped), as a route handler's response would be.
      for (const stream of streams) void stream?.pipeTo(new WritableStream())
      return streams.length
    },
    async produce(args: AiStreamsProduce): Promise<AiStreamsProduced> {
      go(args)
      await Promise.all(produced)
      return { chunks: args.tokens * produced.length, elapsedMs: performance.now() - firstTokenAt }
    },
    async follow({ ids, tokens }: { ids: string[]; tokens: number }) {
      histogram = newHistogram()
      const streams = await Promise.all(ids.map((id) => context.resumeExistingStream(id)))
      following = streams.map((stream) => (stream ? read(stream, tokens) : Promise.resolve({ received: 0, whole: false })))
      return streams.length
    },
    async collect(): Promise<AiStreamsCollected> {
      const results = await Promise.all(following)
      return {
        received: results.reduce((sum, result) => sum + result.received, 0),
        broken: results.filter((result) => !result.whole).length,
        histogram: encodeHistogram(histogram),
      }
    },
  },
  () => store.close(),
)
