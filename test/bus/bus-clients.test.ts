/**
 * The bundled buses on real servers (each test starts its own): with a connection or client the
 * caller opened (used, never closed by the bus), and with events over `maxMessageBytes`, which
 * travel as a wake-up and are read from the store. Brokers sharing a memory store stand for two
 * processes; their backstop is a minute away, so what arrives came by the bus.
 */

import { Redis } from 'ioredis'
import { connect } from 'nats'
import { afterEach, describe, expect, it } from 'vitest'
import { natsWake } from '../../adapters/nats/index.js'
import { redisWake } from '../../adapters/redis/index.js'
import { createBroker, memoryStore, type WakeBus } from '../../src/index.js'
import { type BusServer, busServerMissing, startBusServer } from '../helpers/bus-servers.js'
import { take, until } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A publishing and a receiving broker over one memory store, each on its own bus. */
async function pair(publishing: WakeBus, receiving: WakeBus) {
  const store = memoryStore()
  const publisher = createBroker(store, { pollIntervalMs: 60_000, wake: publishing })
  const receiver = createBroker(store, { pollIntervalMs: 60_000, wake: receiving })
  cleanups.push(
    () => publisher.close(),
    () => receiver.close(),
  )
  await until(() => publisher.stats().bus === 'connected' && receiver.stats().bus === 'connected', 10_000, 'both buses connected')
  return { publisher, receiver }
}

const kinds = [
  {
    kind: 'nats' as const,
    async own(server: BusServer) {
      const connection = await connect({ servers: server.url })
      cleanups.push(() => connection.close())
      return { bus: natsWake({ connection }), open: () => !connection.isClosed() }
    },
    small: (server: BusServer) => natsWake({ servers: server.url }, { maxMessageBytes: 200 }),
    plain: (server: BusServer) => natsWake({ servers: server.url }),
  },
  {
    kind: 'redis' as const,
    async own(server: BusServer) {
      const client = new Redis(server.url)
      cleanups.push(() => client.disconnect())
      return { bus: redisWake({ client }), open: () => client.status === 'ready' }
    },
    small: (server: BusServer) => redisWake({ url: server.url }, { maxMessageBytes: 200 }),
    plain: (server: BusServer) => redisWake({ url: server.url }),
  },
]

for (const variant of kinds) {
  const missing = busServerMissing(variant.kind)
  if (missing !== undefined && process.env.CI !== 'true') {
    console.warn(`\n!!! SKIPPING the ${variant.kind} bus client tests: ${missing}\n`)
    describe.skip(`${variant.kind} bus clients [SKIPPED: ${missing}]`, () => {})
    continue
  }
  describe(`${variant.kind} bus clients`, () => {
    it("carries events over the caller's own connection, and leaves it open when the broker closes", async () => {
      const server = await startBusServer(variant.kind)
      cleanups.push(() => server.stop())
      const own = await variant.own(server)
      const { publisher, receiver } = await pair(own.bus, variant.plain(server))
      const subscription = receiver.subscribe('orders')
      await subscription.ready
      const published = await publisher.publish({ topic: 'orders', type: 'placed', payload: { n: 1 } })
      expect((await take(subscription, 1, 5_000))[0]?.id).toBe(published.id)
      await publisher.close()
      expect(own.open()).toBe(true)
    })

    it('sends an event over maxMessageBytes as a wake-up, and the receiver reads it from the store', async () => {
      const server = await startBusServer(variant.kind)
      cleanups.push(() => server.stop())
      const { publisher, receiver } = await pair(variant.small(server), variant.small(server))
      const subscription = receiver.subscribe('orders')
      await subscription.ready
      const payload = { note: 'x'.repeat(1_000) }
      const published = await publisher.publish({ topic: 'orders', type: 'placed', payload })
      const [received] = await take(subscription, 1, 5_000)
      expect(received?.id).toBe(published.id)
      expect(received?.payload).toEqual(payload)
    })
  })
}
