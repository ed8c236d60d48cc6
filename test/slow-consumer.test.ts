import { type ChildProcess, fork } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { type Broker, type BrokerOptions, createBroker } from '../src/index.js'
import { httpServer } from './helpers/servers.js'
import { tempDir } from './helpers/stores.js'
import { type StreamShape, streamOf, streamShapes } from './helpers/stream-shapes.js'
import { until } from './helpers/wait.js'

const EVENTS = 50_000
const BATCH = 500
const payloadText = 'x'.repeat(1_024 - 20)

interface Counter {
  received: number
  next: Record<string, number>
  duplicatesOrGaps: number
  lastId: string
}
interface Report {
  fast: Counter[]
  slow: Counter
  slowEnded: boolean
}

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(topics: readonly string[], options: BrokerOptions) {
  const temp = tempDir()
  const store = sqliteStore({ filename: join(temp.dir, 'events.db') })
  await store.migrate()
  const broker = createBroker(store, { pollIntervalMs: 60_000, queueLimit: 1_000, batchSize: 500, ...options })
  const running = await httpServer((req, res) => broker.handle(req, res, streamOf(topics)))
  cleanups.push(
    temp.remove,
    () => store.close(),
    () => running.close(),
    () => broker.close(),
  )
  return { broker, port: (running.server.address() as AddressInfo).port }
}

/** The readers run in their own process, so their memory is not counted as the server's. */
async function startReaders(port: number, fast: number) {
  const child: ChildProcess = fork('test/fixtures/sse-readers.ts', [String(port), String(fast)], {
    execArgv: ['--import', 'tsx'],
  })
  cleanups.push(() => child.kill())
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve())
    child.once('exit', (code) => reject(new Error(`readers exited with ${code}`)))
  })
  return {
    send: (cmd: string) => child.send({ cmd }),
    report: () =>
      new Promise<Report>((resolve) => {
        child.once('message', (message) => resolve((message as { report: Report }).report))
        child.send({ cmd: 'report' })
      }),
  }
}

/**
 * Publishes `EVENTS` events in batches of `BATCH`, each batch spread round-robin over `topics`, each
 * topic numbered from 0; resolves with the number of events of each topic.
 */
async function publishAll(broker: Broker, topics: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(topics.map((topic) => [topic, 0]))
  for (let start = 0; start < EVENTS; start += BATCH) {
    await broker.publish(
      Array.from({ length: BATCH }, (_, k) => {
        const topic = topics[(start + k) % topics.length] as string
        return { topic, type: 'tick', payload: { i: (counts[topic] as number)++, text: payloadText } }
      }),
    )
  }
  return counts
}

/**
 * Heap plus memory outside it (Buffers included), after full collections. Buffers' backing stores
 * are released shortly after the collection that finds them dead, so collect, let the event loop
 * turn, and collect again before reading.
 */
async function memory(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    global.gc?.()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

async function untilReport(
  readers: Awaited<ReturnType<typeof startReaders>>,
  predicate: (report: Report) => boolean,
  what: string,
) {
  let report = await readers.report()
  const deadline = Date.now() + 60_000
  while (!predicate(report)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(report)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    report = await readers.report()
  }
  return report
}

describe.each(streamShapes)(
  'a subscriber of $name that stops reading while 50,000 events of 1 KiB are published',
  (shape: StreamShape) => {
    const topics = shape.topics('firehose')

    it('costs bounded memory, delays nobody, and later gets every event once, in order (onSlow: catch-up)', async () => {
      expect(typeof global.gc).toBe('function')
      const { broker, port } = await setup(topics, { onSlow: 'catch-up' })
      const readers = await startReaders(port, 3)
      await until(() => broker.stats().subscribers === 4)

      const before = await memory()
      const counts = await publishAll(broker, topics)
      const report = await untilReport(
        readers,
        (r) => r.fast.every((f) => f.received === EVENTS),
        'the fast readers to get everything',
      )
      const growth = (await memory()) - before
      expect(report.fast.map((f) => f.duplicatesOrGaps)).toEqual([0, 0, 0])
      expect(report.fast.map((f) => f.next)).toEqual([counts, counts, counts])
      expect(report.slow.received).toBeLessThan(EVENTS) // it really was held back
      expect(broker.stats().lagging).toBe(1)
      expect(growth).toBeLessThan(16 * 1024 * 1024)

      readers.send('resume')
      const caughtUp = await untilReport(readers, (r) => r.slow.received === EVENTS, 'the slow reader to catch up')
      expect(caughtUp.slow.duplicatesOrGaps).toBe(0)
      expect(caughtUp.slow.next).toEqual(counts)
      await until(() => broker.stats().lagging === 0, 5_000, 'the slow subscriber to rejoin live')
    }, 120_000)

    it('with onSlow: disconnect, it is disconnected, and resuming with Last-Event-ID loses nothing', async () => {
      const { broker, port } = await setup(topics, { onSlow: 'disconnect' })
      const readers = await startReaders(port, 0)
      await until(() => broker.stats().subscribers === 1)
      const counts = await publishAll(broker, topics)
      await until(() => broker.stats().subscribers === 0, 30_000, 'the slow subscriber to be disconnected')
      readers.send('resume')
      const dropped = await untilReport(readers, (r) => r.slowEnded, 'the slow stream to end')
      expect(dropped.slow.received).toBeLessThan(EVENTS)
      expect(dropped.slow.duplicatesOrGaps).toBe(0)

      readers.send('reconnect-slow')
      const resumed = await untilReport(readers, (r) => r.slow.received === EVENTS, 'the resumed reader to get the rest')
      expect(resumed.slow.duplicatesOrGaps).toBe(0)
      expect(resumed.slow.next).toEqual(counts)
    }, 120_000)
  },
)
