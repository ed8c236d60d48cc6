/**
 * Metrics through a real OpenTelemetry `MeterProvider` and reader: events published and delivered,
 * open connections, the publish duration and publish → deliver lag histograms, catch-up reads,
 * store errors and resets, read the way an exporter reads them. Real SSE clients (`eventsource`) on a real HTTP server.
 */
import { metrics } from '@opentelemetry/api'
import { type DataPoint, type Histogram, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { afterAll, describe, expect, it } from 'vitest'
import { CannotResumeError, createBroker, memoryStore } from '../src/index.js'
import { withBrokenReads } from './helpers/broken-store.js'
import { httpServer } from './helpers/servers.js'
import { type RecordingClient, recordingClient } from './helpers/sse-client.js'
import { take, until } from './helpers/wait.js'

/** A reader collected on demand, as a Prometheus scrape would. */
class ScrapeReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const reader = new ScrapeReader()
const provider = new MeterProvider({ readers: [reader] })
// Registered before the broker is made: the broker takes its meter when it is created.
metrics.setGlobalMeterProvider(provider)
afterAll(async () => {
  metrics.disable()
  await provider.shutdown()
})

/** Every data point of the metric `name`, from a fresh collection. */
async function points(name: string): Promise<DataPoint<number | Histogram>[]> {
  const { resourceMetrics } = await reader.collect()
  const metric = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((m) => m.descriptor.name === name)
  return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[]
}

/** The metric's value (the sum of its points; a histogram's count). */
async function value(name: string): Promise<number> {
  return (await points(name)).reduce((sum, point) => sum + (typeof point.value === 'number' ? point.value : point.value.count), 0)
}

describe('metrics through a MeterProvider', () => {
  it('50 events to 10 connections: published 50, delivered 500, open connections 10, then 0 after the clients close', async () => {
    const store = memoryStore()
    const broker = createBroker(store, { pollIntervalMs: 50, heartbeatMs: 0 })
    const server = await httpServer((req, res) => broker.handle(req, res, { topic: 't' }))
    const clients: RecordingClient[] = Array.from({ length: 10 }, () => recordingClient(server.url, ['n']))
    try {
      await Promise.all(clients.map((client) => client.until((r) => r.some((m) => m.type === 'connected'))))
      expect(await value('durable_sse.connections.open')).toBe(10)
      for (let i = 0; i < 50; i += 10) {
        await broker.publish(Array.from({ length: 10 }, (_, k) => ({ topic: 't', type: 'n', payload: i + k })))
      }
      await Promise.all(clients.map((client) => client.until(() => client.events().length === 50)))
      expect(await value('durable_sse.events.published')).toBe(50)
      expect(await value('durable_sse.events.delivered')).toBe(500)
      expect(await value('durable_sse.connections.open')).toBe(10)
      expect(await value('durable_sse.publish.duration')).toBe(5) // one per publish() call
      expect(await value('durable_sse.delivery.lag')).toBe(50) // one per event fanned out, not per connection

      for (const client of clients) client.close()
      await until(() => broker.stats().subscribers === 0, 5_000, 'the clients to be forgotten')
      expect(await value('durable_sse.connections.open')).toBe(0)
      expect(await value('durable_sse.events.delivered')).toBe(500) // ended connections' deliveries stay counted
    } finally {
      for (const client of clients) client.close()
      await broker.close()
      await server.close()
    }
  })

  it('counts resets by reason and the wake-up path as up', async () => {
    const broker = createBroker(memoryStore(), { pollIntervalMs: 50 })
    try {
      const subscription = broker.subscribe('t', { after: 'zzzzzzzz.5' })
      await expect(subscription.ready).rejects.toBeInstanceOf(CannotResumeError)
      const resets = await points('durable_sse.resets')
      expect(resets.map((point) => [point.attributes['durable_sse.reset.reason'], point.value])).toEqual([['foreign', 1]])
      expect(await value('durable_sse.wake.up')).toBe(1) // this broker's only: a closed broker is no longer observed
    } finally {
      await broker.close()
    }
  })

  it('counts catch-up reads, and store errors by operation and error type', async () => {
    let failing = false
    const { store } = withBrokenReads(memoryStore(), () => failing)
    const broker = createBroker(store, { pollIntervalMs: 50, onError: () => {} })
    try {
      const [first, second] = await broker.publish([
        { topic: 't', type: 'n', payload: 1 },
        { topic: 't', type: 'n', payload: 2 },
      ])
      const before = await value('durable_sse.catch_up.reads')
      const behind = broker.subscribe('t', { after: first?.id }) // starts behind the head: a catch-up page
      expect((await take(behind, 1)).map((event) => event.id)).toEqual([second?.id])
      expect(await value('durable_sse.catch_up.reads')).toBe(before + 1)

      failing = true
      await broker.publish({ topic: 't', type: 'n', payload: 3 }) // the poll's readAfter throws
      await until(async () => (await value('durable_sse.store.errors')) > 0, 5_000, 'a store error to be counted')
      const errors = await points('durable_sse.store.errors')
      expect(errors.map((point) => [point.attributes['durable_sse.store.operation'], point.attributes['error.type']])).toEqual([
        ['readAfter', 'TypeError'],
      ])
      failing = false
      await take(behind, 1) // delivered once the store answers again
      await behind.return?.()
    } finally {
      await broker.close()
    }
  })
})
