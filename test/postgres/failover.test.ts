/**
 * Issue 21, acceptance 4: a failover that loses commits never makes a browser skip an event. A
 * scratch primary and its streaming replica; events reach the replica, then it stops receiving WAL
 * (`detach()`) and the primary commits more (browsers see them); the primary dies
 * (`stop('immediate')`), the replica is promoted, and new events are published there, reusing the
 * lost events' positions. Real HTTP, real `eventsource` browsers.
 *
 * - An app restarted on the new primary (without `migrate()`): a browser resuming with an id of a
 *   lost event, and one whose position the new primary also has, both get one `reset` for the
 *   topic, then every new event; a later reconnect resumes exactly.
 * - A store and broker that stay up across the promotion (their address moves to the new primary):
 *   every live stream ends, its browser comes back with its last id, gets one `reset`, then every
 *   event after it; nothing the new primary wrote reaches a browser under the old epoch.
 * - A replica left on the old timeline (it replayed the lost commits) is never read; a standby of
 *   the new primary is.
 * - A crash and restart of the same server keeps the timeline: live streams and resuming browsers
 *   carry on exactly, with no reset.
 */
import pg from 'pg'
import { expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import { parseEventId } from '../../src/event-id.js'
import { type Broker, createBroker } from '../../src/index.js'
import { describeScratchPostgres } from '../helpers/describe-scratch-postgres.js'
import { type ScratchPostgres, type ScratchReplica, startScratchReplica } from '../helpers/scratch-postgres.js'
import { httpServer } from '../helpers/servers.js'
import { type Received, type RecordingClient, recordingClient } from '../helpers/sse-client.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { until } from '../helpers/wait.js'

/** Runs one statement on `url` and returns its first row. */
async function one<Row>(url: string, text: string, values: unknown[] = []): Promise<Row> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, values)).rows[0] as Row
  } finally {
    await client.end()
  }
}

/** Resolves once `replica` has replayed everything `primary` committed so far. */
async function replayed(primary: ScratchPostgres, replica: ScratchReplica): Promise<void> {
  const { lsn } = await one<{ lsn: string }>(primary.url(), 'SELECT pg_current_wal_lsn()::text AS lsn')
  await until(
    async () => (await one<{ ok: boolean }>(replica.url(), 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])).ok,
    10_000,
    'the replica to replay what the primary committed',
  )
}

/** A store with short deadlines, so a dead primary is noticed within seconds; its connection errors (expected here) are not logged. */
const storeOn = (url: string): PostgresStore =>
  postgresStore({ connectionString: url, connectTimeoutMs: 1_000, queryTimeoutMs: 3_000, reconnectMaxMs: 500, onError: () => {} })

/** A broker whose failed polls (expected here) are not logged, and whose browsers come back after 50 ms. */
const brokerOn = (store: PostgresStore): Broker =>
  createBroker(store, { heartbeatMs: 0, retryMs: 50, pollIntervalMs: 200, onError: () => {} })

/** Publishes `count` events `n` = from, from + 1, ... to `topic`. */
const publishN = (broker: Broker, topic: string, from: number, count: number) =>
  broker.publish(Array.from({ length: count }, (_, i) => ({ topic, type: 'n', payload: { n: from + i } })))

const ns = (messages: readonly Received[]) => messages.filter((m) => m.type === 'n').map((m) => JSON.parse(m.data).payload.n)
const count = (client: RecordingClient, type: string) => client.received.filter((m) => m.type === type).length
const epochOf = (id: string | undefined) => parseEventId(id ?? '')?.epoch
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/** What `client` received after its first `reset`, and that reset. */
function afterReset(client: RecordingClient): { reset: Received; rest: Received[] } {
  const at = client.received.findIndex((m) => m.type === 'reset')
  expect(at, 'a reset').toBeGreaterThanOrEqual(0)
  return { reset: client.received[at] as Received, rest: client.received.slice(at + 1) }
}

describeScratchPostgres('failover: an app restarted on the promoted standby', {}, (primary) => {
  it('a browser resuming from the old primary, lost event or not, resets once, then gets every new event', async () => {
    const replica = await startScratchReplica(primary())
    const cleanups: Array<() => Promise<unknown>> = [() => replica.close()]
    try {
      const topic = 'project-1'
      const storeA = storeOn(primary().url())
      await storeA.migrate()
      const brokerA = brokerOn(storeA)
      let current: Promise<Broker> = Promise.resolve(brokerA)
      const server = await httpServer(async (req, res) => (await current).handle(req, res, { topic }))
      cleanups.push(() => server.close())
      const url = `${server.url}/${topic}`
      const seen = recordingClient(url, ['n'])
      cleanups.push(async () => seen.close())
      await seen.until((received) => count({ received } as RecordingClient, 'connected') === 1)

      const before = await publishN(brokerA, topic, 1, 10)
      await replayed(primary(), replica)
      await replica.detach()
      await publishN(brokerA, topic, 11, 5) // committed on the primary only: lost in the failover
      await seen.until((received) => ns(received).length === 15)
      const epoch = epochOf(before[0]?.id) as string

      // The primary dies; the standby is promoted; the app comes back on it without migrate().
      let restart: (broker: Broker) => void = () => {}
      current = new Promise((resolve) => {
        restart = resolve
      })
      await primary().stop('immediate')
      await brokerA.close() // the stream ends: the browser comes back with its last id, the lost #15
      await storeA.close()
      await replica.promote()
      const storeB = storeOn(replica.url())
      cleanups.push(() => storeB.close())
      const brokerB = brokerOn(storeB)
      cleanups.push(() => brokerB.close())
      restart(brokerB)

      const kept = recordingClient(url, ['n'], { lastEventId: before[9]?.id }) // #10: the new primary has it too
      cleanups.push(async () => kept.close())
      for (const client of [seen, kept]) await client.until((received) => received.at(-1)?.type === 'connected', 10_000)
      const fresh = await publishN(brokerB, topic, 101, 5) // positions 11..15 again, on the new timeline
      for (const client of [seen, kept]) await client.until((received) => ns(received).length >= 5 + (client === seen ? 15 : 0))

      const moved = `${epoch}t2`
      expect(fresh.map((event) => event.id)).toEqual(range(11, 15).map((seq) => `${moved}.${seq}`))
      expect(ns(seen.received.slice(0, 16))).toEqual(range(1, 15))
      for (const client of [seen, kept]) {
        const { reset, rest } = afterReset(client)
        expect(reset).toEqual({ type: 'reset', id: `${moved}.10`, data: JSON.stringify({ reason: 'foreign', topic }) })
        expect(rest.map((m) => m.type)).toEqual(['connected', 'n', 'n', 'n', 'n', 'n'])
        expect(ns(rest)).toEqual(range(101, 105))
        expect(rest.slice(1).map((m) => m.id)).toEqual(fresh.map((event) => event.id))
      }

      // Once reset, the ids are the new timeline's: a reconnect resumes exactly, with no second reset.
      server.server.closeAllConnections()
      for (const client of [seen, kept]) await client.until((received) => received.at(-1)?.type === 'connected', 10_000)
      await publishN(brokerB, topic, 106, 1)
      for (const client of [seen, kept]) await client.until((received) => ns(received).at(-1) === 106)
      for (const client of [seen, kept]) {
        expect(count(client, 'reset')).toBe(1)
        expect(ns(afterReset(client).rest)).toEqual(range(101, 106))
      }
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup()
    }
  }, 120_000)
})

describeScratchPostgres('failover: a store and broker that stay up across the promotion', {}, (primary) => {
  it('every live stream resets once and then gets every event after its reset, none under the old epoch', async () => {
    const replica = await startScratchReplica(primary())
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: primary().port }) // the address that moves
    const cleanups: Array<() => Promise<unknown>> = [() => replica.close(), () => proxy.close()]
    try {
      const store = storeOn(proxy.url(primary().url()))
      cleanups.push(() => store.close())
      await store.migrate()
      const broker = brokerOn(store)
      cleanups.push(() => broker.close())
      const server = await httpServer((req, res) =>
        broker.handle(req, res, { topic: decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1)) }),
      )
      cleanups.push(() => server.close())
      // lost: saw events the new primary lacks; kept: its position survives; quiet: nothing is published to it after.
      const topics = { lost: 'topic-lost', kept: 'topic-kept', quiet: 'topic-quiet' }
      const clients = Object.fromEntries(
        Object.entries(topics).map(([name, topic]) => [name, recordingClient(`${server.url}/${topic}`, ['n'])]),
      ) as Record<keyof typeof topics, RecordingClient>
      cleanups.push(async () => {
        for (const client of Object.values(clients)) client.close()
      })
      for (const client of Object.values(clients)) await client.until((received) => received.at(-1)?.type === 'connected')

      for (const topic of Object.values(topics)) await publishN(broker, topic, 1, 10)
      await replayed(primary(), replica)
      await replica.detach()
      const lost = await publishN(broker, topics.lost, 11, 5)
      await clients.lost.until((received) => ns(received).length === 15)
      for (const name of ['kept', 'quiet'] as const) await clients[name].until((received) => ns(received).length === 10)
      const epoch = epochOf(lost[0]?.id) as string

      await primary().stop('immediate')
      proxy.retarget(replica.port)
      await replica.promote()

      // The same broker publishes on the new primary as soon as its pool has reconnected.
      const published = async (topic: string, from: number) => {
        await until(
          () =>
            publishN(broker, topic, from, 3).then(
              () => true,
              () => false,
            ),
          20_000,
          `a publish to ${topic} on the new primary`,
        )
      }
      await published(topics.lost, 101)
      await published(topics.kept, 101)
      for (const client of Object.values(clients)) {
        await client.until((received) => count({ received } as RecordingClient, 'connected') === 2, 15_000)
      }
      for (const topic of Object.values(topics)) await publishN(broker, topic, 201, 3)
      for (const client of Object.values(clients)) await client.until((received) => ns(received).at(-1) === 203, 10_000)

      const moved = `${epoch}t2`
      for (const [name, topic] of Object.entries(topics) as Array<[keyof typeof topics, string]>) {
        const client = clients[name]
        expect(
          ns(
            client.received.slice(
              0,
              client.received.findIndex((m) => m.type === 'reset'),
            ),
          ),
          name,
        ).toEqual(range(1, name === 'lost' ? 15 : 10))
        const { reset, rest } = afterReset(client)
        expect(count(client, 'reset'), name).toBe(1)
        expect(JSON.parse(reset.data), name).toEqual({ reason: 'foreign', topic })
        expect(epochOf(reset.id), name).toBe(moved)
        // Every event the new primary holds after the reset's position, once, in order: the store's own answer.
        const truth = (await store.readAfter([{ topic, after: reset.id }], 1_000)).get(topic) ?? []
        expect(rest[0]?.type, name).toBe('connected')
        expect(
          rest.slice(1).map((m) => m.id),
          name,
        ).toEqual(truth.map((event) => event.id))
        expect(ns(rest).at(-1), name).toBe(203)
        for (const m of rest) expect(epochOf(m.id), name).toBe(moved)
      }
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup()
    }
  }, 120_000)
})

describeScratchPostgres('failover: a replica that stayed on the old timeline', {}, (primary) => {
  it('is not read: it replayed events the new primary lacks, and its position still looks caught up', async () => {
    const stale = await startScratchReplica(primary()) // receives everything, then cannot follow the promotion
    const promoted = await startScratchReplica(primary())
    const cleanups: Array<() => Promise<unknown>> = [() => stale.close(), () => promoted.close()]
    try {
      const topic = 'topic-forked'
      const before = storeOn(primary().url())
      cleanups.push(() => before.close())
      await before.migrate()
      await before.append(range(1, 10).map((n) => ({ topic, type: 'n', data: JSON.stringify(n) })))
      await replayed(primary(), promoted)
      await promoted.detach()
      // Lost in the failover, but replayed by the other standby: far more WAL than the promotion writes.
      for (let i = 0; i < 20; i++) {
        await before.append(range(1, 50).map((n) => ({ topic, type: 'n', data: JSON.stringify(-n) })))
      }
      await replayed(primary(), stale)
      await primary().stop('immediate')
      await promoted.promote()

      const errors: unknown[] = []
      const store = postgresStore({ connectionString: promoted.url(), replica: stale.url(), onError: (e) => errors.push(e) })
      cleanups.push(() => store.close())
      const fresh = await store.append(range(101, 103).map((n) => ({ topic, type: 'n', data: JSON.stringify(n) })))
      const moved = epochOf(fresh[0]?.id) as string
      expect(moved).toMatch(/t2$/)
      for (let i = 0; i < 5; i++) {
        const read = (await store.readAfter([{ topic, after: `${moved}.10` }], 10)).get(topic) ?? []
        expect(read.map((event) => JSON.parse(event.data))).toEqual([101, 102, 103])
      }
      expect(errors.map(String)).toEqual([
        expect.stringMatching(/replica .* is on timeline 1, the primary on 2: reads go to the primary/),
      ])

      // A standby of the new primary is on its timeline: read.
      const follower = await startScratchReplica(promoted)
      cleanups.push(() => follower.close())
      const following = postgresStore({
        connectionString: promoted.url(),
        replica: follower.url(),
        onError: (e) => errors.push(e),
      })
      cleanups.push(() => following.close())
      const read = (await following.readAfter([{ topic, after: `${moved}.10` }], 10)).get(topic) ?? []
      expect(read.map((event) => JSON.parse(event.data))).toEqual([101, 102, 103])
      expect(following.readStatus().replicas[0]).toMatchObject({ state: 'up', reads: 1 })
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup()
    }
  }, 120_000)
})

describeScratchPostgres('failover: a crash and restart of the same server (same timeline)', {}, (primary) => {
  it('live streams and browsers resuming with an earlier id carry on exactly, with no reset', async () => {
    const cleanups: Array<() => Promise<unknown>> = []
    try {
      const topic = 'topic-restarted'
      const store = storeOn(primary().url())
      cleanups.push(() => store.close())
      await store.migrate()
      const broker = brokerOn(store)
      cleanups.push(() => broker.close())
      const server = await httpServer((req, res) => broker.handle(req, res, { topic }))
      cleanups.push(() => server.close())
      const live = recordingClient(`${server.url}/${topic}`, ['n'])
      cleanups.push(async () => live.close())
      await live.until((received) => received.at(-1)?.type === 'connected')
      const before = await publishN(broker, topic, 1, 5)
      await live.until((received) => ns(received).length === 5)

      await primary().stop('immediate') // a crash: recovery at the next start, on the same timeline
      await primary().start()
      await until(
        () =>
          publishN(broker, topic, 6, 1).then(
            () => true,
            () => false,
          ),
        20_000,
        'a publish once the server is back',
      )
      await publishN(broker, topic, 7, 4)
      const resumed = recordingClient(`${server.url}/${topic}`, ['n'], { lastEventId: before[2]?.id })
      cleanups.push(async () => resumed.close())
      await live.until((received) => ns(received).at(-1) === 10, 10_000)
      await resumed.until((received) => ns(received).at(-1) === 10, 10_000)

      expect(ns(live.received)).toEqual(range(1, 10))
      expect(ns(resumed.received)).toEqual(range(4, 10))
      for (const client of [live, resumed]) {
        expect(count(client, 'reset')).toBe(0)
        for (const m of client.events()) expect(epochOf(m.id)).toBe(epochOf(before[0]?.id))
      }
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup()
    }
  }, 120_000)
})
