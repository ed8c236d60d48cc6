/**
 * One stream over ten topics in Chromium over HTTP/1.1: one `EventSource` (through `connect()`)
 * leaves the page's other requests to the same origin flowing, while seven one-topic streams
 * stall them (the browser's six connections per origin). Across a crash of the app (SIGKILL) with
 * events published into its SQLite file meanwhile, and its restart on the same port and file, the
 * page gets every event once, in each topic's order, without a reset.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/wait.js'
import { type CrashableApp, startCrashableApp } from './support/app-process.js'
import { launchChromium, openPage } from './support/chromium.js'
import { ping, recordOf, startStream } from './support/harness.js'

type Events = { tick: { n: number } }

const WAIT = 30_000
const TOPICS = Array.from({ length: 10 }, (_, i) => `topic-${i}`)
let app: CrashableApp<Events>
/** Events published so far, per topic (each topic's ticks are numbered 1, 2, 3, ...). */
const published = new Map(TOPICS.map((topic) => [topic, 0]))
const total = () => [...published.values()].reduce((sum, n) => sum + n, 0)

beforeAll(async () => {
  app = await startCrashableApp<Events>()
}, 60_000)

afterAll(() => app?.close())

/** Publishes `rounds` ticks to every topic, the topics interleaved, one publish call per round. */
async function publishRounds(rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? [...TOPICS].reverse() : TOPICS
    await app.broker.publish(
      order.map((topic) => {
        const n = (published.get(topic) as number) + 1
        published.set(topic, n)
        return { topic, type: 'tick', payload: { n } } as const
      }),
    )
  }
}

const statusOf = async (page: Page) => (await recordOf(page)).statuses.at(-1)

const range = (to: number) => Array.from({ length: to }, (_, i) => i + 1)

describe('one EventSource over ten topics in Chromium, over HTTP/1.1', () => {
  it('keeps the page’s other requests flowing, and across an app crash gets every event once, in each topic’s order', {
    timeout: 120_000,
  }, async () => {
    const context = await launchChromium(app.dir, 'multi')
    try {
      const page = await openPage(context, `http://127.0.0.1:${app.port}/`)
      await startStream(page, `/api/events?topics=${TOPICS.join(',')}`, { backoffMs: 250, maxBackoffMs: 1_000 })
      await until(async () => (await statusOf(page)) === 'open', WAIT, 'the stream open')
      // Generous: a ping answers in milliseconds when a connection is free.
      expect(await ping(page, 5_000)).toBe('pong')

      await publishRounds(3)
      await until(async () => (await recordOf(page)).events.length === total(), WAIT, 'the first ticks')
      expect(await ping(page, 5_000)).toBe('pong')

      await app.kill()
      await until(async () => (await statusOf(page)) === 'reconnecting', WAIT, 'reconnecting')
      await publishRounds(2) // while the app is down: the page resumes after them
      await app.start()
      await until(async () => (await statusOf(page)) === 'open', WAIT, 'open again')
      await publishRounds(2)
      await until(async () => (await recordOf(page)).events.length >= total(), WAIT, 'every tick')
      expect(await ping(page, 5_000)).toBe('pong')

      const record = await recordOf(page)
      for (const topic of TOPICS) {
        const events = record.events.filter((event) => event.topic === topic)
        expect(
          events.map((event) => event.n),
          topic,
        ).toEqual(range(published.get(topic) as number))
        expect(new Set(events.map((event) => event.id)).size, topic).toBe(published.get(topic))
      }
      expect(record.events).toHaveLength(total())
      expect(record.resets).toEqual([])
      expect(record.errors).toEqual([])
      expect(record.statuses.filter((status) => status === 'closed')).toEqual([])
    } finally {
      await context.close()
    }
  })

  it('whereas seven one-topic streams on the same origin stall its other requests', { timeout: 60_000 }, async () => {
    const context = await launchChromium(app.dir, 'one-topic-each')
    try {
      const page = await openPage(context, `http://127.0.0.1:${app.port}/`)
      for (const topic of TOPICS.slice(0, 7)) await startStream(page, `/api/events/${topic}`)
      // Six open (the browser's limit per origin); the seventh, and anything after it, waits.
      const opens = async () => (await recordOf(page)).statuses.filter((status) => status === 'open').length
      await until(async () => (await opens()) === 6, WAIT, 'six streams open')
      expect(await ping(page, 2_000)).toBe('timeout')
      expect(await opens()).toBe(6)
    } finally {
      await context.close()
    }
  })
})
