/**
 * Resuming a stream: a pull-driven `ReadableStream<string>` over `broker.subscribe()` from before
 * the topic's first event, so it replays every chunk from the store (paged, bounded memory), then
 * follows live ones in the same order, each once, and closes at the first terminal marker. When
 * nothing arrives for `producerTimeoutMs`, it asks the store: a producer silent that long is dead,
 * so the resumer appends `abandoned` and the stream ends there, for this reader and every later one.
 * @module
 */
import type { Broker } from '../broker.js'
import { BrokerClosedError, CannotResumeError } from '../errors.js'
import type { StoredEvent } from '../event.js'
import type { EventStore } from '../store.js'
import { type ChunkPayload, MARKER, TERMINAL } from './stream-log.js'
import { readState } from './stream-state.js'

/** Longest delay `setTimeout` takes (a longer one fires at once). */
const MAX_TIMER_MS = 2_147_483_647

/** What a replay needs from the context. */
export interface ReplayOptions {
  /** The store (to check on a silent producer). */
  store: EventStore
  /** The broker to subscribe (and publish `abandoned`) through. */
  broker: Broker<any>
  /** A producer silent for this long is dead, in ms. */
  producerTimeoutMs: number
}

/** Where a replay starts: the stream's topic, the id before its first event, and its last event when opened. */
export interface ReplayStart {
  /** The stream's topic. */
  topic: string
  /** The id before the topic's first event. */
  startId: string
  /** When the topic's last event was appended, in ms since the epoch. */
  lastAt: number
  /** Whether that last event is a terminal marker (nothing to watch for). */
  ended: boolean
}

/** Opens a replay of the stream, without its first `skipCharacters` characters; `null` if retention removed its start. */
export async function openReplay(
  start: ReplayStart,
  skipCharacters: number,
  options: ReplayOptions,
): Promise<ReadableStream<string> | null> {
  const { topic } = start
  const stop = new AbortController()
  const events = options.broker.subscribe(topic, { after: start.startId, signal: stop.signal })
  try {
    await events.ready
  } catch (error) {
    if (error instanceof CannotResumeError) return null
    throw error
  }

  let pending: Promise<IteratorResult<StoredEvent>> | undefined
  /** When to ask the store whether the producer is still alive (ms since the epoch); `Infinity` once the end is known. */
  let checkAt = start.ended ? Number.POSITIVE_INFINITY : start.lastAt + options.producerTimeoutMs
  let expectedIndex = 0
  let skip = skipCharacters

  /** Asks the store about a producer silent until `checkAt`; marks it abandoned if it is dead. */
  const checkProducer = async () => {
    const state = await readState(options.store, topic)
    if (state.kind !== 'exists') throw new CannotResumeError('pruned', start.startId, topic)
    const silentMs = Date.now() - state.lastAt
    if (state.ended) checkAt = Number.POSITIVE_INFINITY
    else if (silentMs <= options.producerTimeoutMs) checkAt = state.lastAt + options.producerTimeoutMs
    else {
      await options.broker.publish({ topic, type: MARKER.abandoned, payload: { silentMs } })
      checkAt = Number.POSITIVE_INFINITY
    }
  }

  const due = deadline(() => checkAt)
  /** The next event of the topic, or `undefined` when it is time to check on the producer. */
  const nextEvent = async (): Promise<IteratorResult<StoredEvent> | undefined> => {
    pending ??= events.next()
    const result = checkAt === Number.POSITIVE_INFINITY ? await pending : await Promise.race([pending, due.passed()])
    return result === undefined ? undefined : take(result)
  }
  const take = (result: IteratorResult<StoredEvent>) => {
    pending = undefined
    return result
  }
  const end = () => {
    due.stop()
    stop.abort()
  }

  return new ReadableStream<string>({
    async pull(controller) {
      try {
        for (;;) {
          const result = await nextEvent()
          if (result === undefined) {
            await checkProducer()
            continue
          }
          if (result.done) throw new BrokerClosedError()
          const event = result.value
          checkAt = Math.max(checkAt, Math.min(Date.now(), Date.parse(event.createdAt)) + options.producerTimeoutMs)
          if (TERMINAL.has(event.type)) {
            controller.close()
            end()
            return
          }
          if (event.type !== MARKER.chunk) continue
          const { index, text } = event.payload as ChunkPayload
          if (index < expectedIndex) continue // a retried append repeated it
          expectedIndex = index + 1
          const kept = text.slice(skip)
          skip = Math.max(0, skip - text.length)
          if (kept.length > 0) {
            controller.enqueue(kept)
            return
          }
        }
      } catch (error) {
        end()
        throw error
      }
    },
    cancel: end,
  })
}

/**
 * A moving deadline with one timer (not one per event): `passed()` resolves once `at()` is in the
 * past, re-arming itself while `at()` keeps moving later. Unref'd: it never holds the process open.
 */
function deadline(at: () => number): { passed(): Promise<undefined>; stop(): void } {
  let passed: Promise<undefined> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  return {
    passed() {
      passed ??= new Promise<undefined>((resolve) => {
        const check = () => {
          const waitMs = at() - Date.now()
          if (waitMs > 0) {
            timer = setTimeout(check, Math.min(waitMs, MAX_TIMER_MS))
            timer.unref()
            return
          }
          passed = undefined
          resolve(undefined)
        }
        check()
      })
      return passed
    },
    stop() {
      clearTimeout(timer)
    },
  }
}
