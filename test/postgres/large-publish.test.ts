/**
 * One `publish()` of 10,000 events (40 MB of payload, from another process): delivered to a
 * subscriber in order, read from the store in pages of at most `batchSize`, with the subscriber's
 * memory bounded by its queue and a page or two, not by the volume. The consumer starts late, so
 * the subscriber overflows its queue and pages the rest from the store itself.
 */
import { expect, it } from 'vitest'
import type { EventStore } from '../../src/index.js'
import { createBroker } from '../../src/index.js'
import { describePostgres, seqOf, uniqueTopic } from '../helpers/postgres.js'
import { startFixture, stopFixture } from './helpers/child.js'

const COUNT = 10_000
const BATCH = 500
const QUEUE_LIMIT = 250

/** Heap plus external memory after a full collection, in bytes. */
function retained(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run with --expose-gc (vitest.config.ts sets it for workers)')
  gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

describePostgres('broker: a 10,000-event publish', (database) => {
  it('is delivered in order, in pages of batchSize, with memory far below the volume', async () => {
    const store = await database.store({ poolConfig: { max: 3 } })
    const reads: number[] = [] // rows of the topic per readAfter call
    const topic = uniqueTopic('bulk')
    const counted: EventStore = {
      ...store,
      async readAfter(cursors, limit) {
        const result = await store.readAfter(cursors, limit)
        const rows = result.get(topic)?.length ?? 0
        if (rows > 0) reads.push(rows)
        return result
      },
    }
    const broker = createBroker(counted, { batchSize: BATCH, queueLimit: QUEUE_LIMIT, pollIntervalMs: 60_000, heartbeatMs: 0 })
    database.defer(() => broker.close())
    const subscription = broker.subscribe(topic, { signal: AbortSignal.timeout(60_000) }) // ends the loop below if stuck
    await subscription.ready

    const baseline = retained()
    const publisher = startFixture('publish-bulk', {
      DATABASE_URL: database.url,
      SCHEMA: database.schema,
      TOPIC: topic,
      COUNT: String(COUNT),
      PAYLOAD_BYTES: '4000',
    })
    database.defer(() => stopFixture(publisher))
    const published = await publisher.message((m) => m.kind === 'published', 'the publish', 60_000)
    expect([seqOf(published.first as string), seqOf(published.last as string)]).toEqual([1, COUNT])
    const volume = published.volume as number

    const series: number[] = []
    let expected = 0
    let peak = 0
    for await (const event of subscription) {
      if (seqOf(event.id) !== expected + 1 || (event.payload as { n: number }).n !== expected) {
        throw new Error(`event ${expected} out of order: got ${event.id} ${JSON.stringify(event.payload).slice(0, 40)}`)
      }
      expected++
      if (expected % BATCH === 0) {
        const growth = retained() - baseline
        series.push(growth)
        peak = Math.max(peak, growth)
      }
      if (expected === COUNT) break
    }
    expect(expected, 'events delivered before the deadline').toBe(COUNT)
    console.info(
      `[memory] ${COUNT} events, ${(volume / 1e6).toFixed(1)} MB of payload: peak growth ${(peak / 1e6).toFixed(1)} MB; ` +
        `${reads.length} reads of at most ${Math.max(...reads)} rows`,
    )
    if (process.env.DSSE_TRACE)
      console.info(`[memory] growth per ${BATCH} events (MB): ${series.map((b) => (b / 1e6).toFixed(1)).join(' ')}`)
    // Bounded by the queue (QUEUE_LIMIT events) and a page or two in flight (each event is held as
    // its JSON and its encoded frame): about 8-13 MB here, where holding the volume would be 80 MB.
    expect(peak).toBeLessThan(volume / 2)
    expect(Math.max(...reads)).toBeLessThanOrEqual(BATCH)
    expect(reads.length).toBeGreaterThanOrEqual(COUNT / BATCH)
    expect(reads.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(COUNT)
  }, 90_000)
})
