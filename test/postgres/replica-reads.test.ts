/**
 * Issue 21's acceptance 1-3, end to end on a scratch primary and its streaming replica, with app
 * processes whose stores read from the replica (`postgresStore({ replica })`):
 * 1. the many-processes scenario (3 subscriber and 4 writer processes): every event once, in
 *    order, while the primary's scans of the events table stay near zero per delivered event and
 *    the replica's grow;
 * 2. replay paused on the replica for 3 s while events keep coming and browsers (`eventsource`)
 *    reconnect with `Last-Event-ID`: no `reset`, nothing lost or twice, everything within 1 s of
 *    the resume;
 * 3. the replica stopped (immediate) mid-run: delivery goes on from the primary, nothing lost, and
 *    the replica is read again once it is back.
 */
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import { type Broker, type BrokerStats, createBroker } from '../../src/index.js'
import { describeScratchPostgres } from '../helpers/describe-scratch-postgres.js'
import { type ScratchReplica, startScratchReplica } from '../helpers/scratch-postgres.js'
import { until } from '../helpers/wait.js'
import { type Fixture, type Message, startFixture, stopFixture } from './helpers/child.js'
import { manyProcesses } from './helpers/many-processes.js'

const SCHEMA = 'replica_processes'
const EVENTS_TABLE = 'durable_sse_events'
/** App processes of the steady runs (each with iterators and `eventsource` clients). */
const APPS = 2
/** Pause between two publishes of a steady run, in ms. */
const PUBLISH_EVERY_MS = 10

/** The monotonic clock, as the fixtures stamp their messages. */
const now = (): bigint => process.hrtime.bigint()

/** One published event of a steady run. */
interface Published {
  topic: string
  id: string
  /** `now()` once its publish returned. */
  committedAt: bigint
}

describeScratchPostgres('reads from a streaming replica across processes', { config: ['fsync = off'] }, (cluster) => {
  let replica: ScratchReplica
  let primaryAdmin: pg.Pool
  let replicaAdmin: pg.Pool
  let store: PostgresStore
  let broker: Broker
  const cleanups: Array<() => unknown> = []

  beforeAll(async () => {
    store = postgresStore({ connectionString: cluster().url(), schema: SCHEMA, poolConfig: { max: 2 } })
    await store.migrate()
    broker = createBroker(store, { heartbeatMs: 0 })
    replica = await startScratchReplica(cluster(), { config: ['fsync = off'] })
    primaryAdmin = new pg.Pool({ connectionString: cluster().url(), max: 1 })
    replicaAdmin = new pg.Pool({ connectionString: replica.url(), max: 1 })
    for (const pool of [primaryAdmin, replicaAdmin]) pool.on('error', () => {})
    await replayedAll()
  }, 60_000)
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    await broker?.close()
    await store?.close()
    await primaryAdmin?.end()
    await replicaAdmin?.end()
    await replica?.close()
  }, 60_000)

  /** Resolves once the replica has replayed everything the primary has written so far. */
  async function replayedAll(): Promise<void> {
    const [{ lsn }] = (await primaryAdmin.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows as [
      { lsn: string },
    ]
    await until(
      async () => (await replicaAdmin.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn])).rows[0]?.done,
      20_000,
      'the replica streaming and caught up',
    )
  }

  /** Scans (sequential and index) of the events table so far on the server of `admin`, once no other session holds unflushed counts. */
  async function eventScans(admin: pg.Pool): Promise<number> {
    // A session flushes its counts at most once a second while it runs, and always when it ends.
    await until(
      async () =>
        (
          await admin.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
          )
        ).rows[0]?.n === 0,
      20_000,
      'the other sessions ended',
    )
    const client = await admin.connect()
    try {
      await client.query('SELECT pg_stat_clear_snapshot()')
      const { rows } = await client.query<{ scans: string }>(
        'SELECT (coalesce(seq_scan, 0) + coalesce(idx_scan, 0))::text AS scans FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2',
        [SCHEMA, EVENTS_TABLE],
      )
      return Number(rows[0]?.scans ?? 0)
    } finally {
      client.release()
    }
  }

  it('acceptance 1: 3 app processes read from the replica: every event once, in order; the primary scans the events table next to never', async () => {
    const before = { primary: await eventScans(primaryAdmin), replica: await eventScans(replicaAdmin) }
    const { stopped, delivered } = await manyProcesses({
      base: { DATABASE_URL: cluster().url(), SCHEMA },
      broker,
      defer: (cleanup) => cleanups.push(cleanup),
      subscriberEnv: { STORE_OPTIONS: JSON.stringify({ replica: replica.url() }) },
    })
    await Promise.all(cleanups.splice(0).map((cleanup) => cleanup())) // the fixtures' sessions end: their counts are flushed
    const after = { primary: await eventScans(primaryAdmin), replica: await eventScans(replicaAdmin) }
    const primaryScans = after.primary - before.primary
    const replicaScans = after.replica - before.replica
    const reads = stopped.map((s) => (s.stats as BrokerStats).reads)
    console.info(JSON.stringify({ delivered, primaryScans, replicaScans, reads: reads.map((r) => r.replicas) }))
    expect(primaryScans / delivered, 'primary scans of the events table per delivered event').toBeLessThan(0.05)
    expect(replicaScans).toBeGreaterThan(delivered / 20)
    for (const read of reads) expect(read.replicas[0]?.reads).toBeGreaterThan(0)
  }, 120_000)

  /** Starts `APPS` app processes reading from the replica, each following `topics` by iterator and by `eventsource`. */
  async function startApps(topics: string[], storeOptions: Record<string, unknown>): Promise<Fixture[]> {
    const apps = Array.from({ length: APPS }, () =>
      startFixture('subscriber', {
        DATABASE_URL: cluster().url(),
        SCHEMA,
        TOPICS: topics.join(','),
        MODE: 'both',
        TYPES: 'mark,sentinel',
        WAIT_LISTENING: '1',
        STORE_OPTIONS: JSON.stringify({ replica: replica.url(), ...storeOptions }),
        BROKER_OPTIONS: JSON.stringify({ retryMs: 50 }), // browsers reconnect 50 ms after a cut
      }),
    )
    for (const app of apps) cleanups.push(() => stopFixture(app))
    await Promise.all(apps.map((app) => app.message((m) => m.kind === 'ready', 'ready')))
    return apps
  }

  /** Publishes to `topics` in turn, one event every few ms, until `stop()`, which returns what was published. */
  function startPublishing(topics: string[]): { stop(): Promise<Published[]> } {
    const published: Published[] = []
    let running = true
    const loop = (async () => {
      for (let i = 0; running; i++) {
        const topic = topics[i % topics.length] as string
        const { id } = await broker.publish({ topic, type: 'mark', payload: { marker: i } })
        published.push({ topic, id, committedAt: now() })
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS))
      }
    })()
    return {
      async stop() {
        running = false
        await loop
        return published
      },
    }
  }

  /** An app's `broker.stats()` now. */
  async function statsOf(app: Fixture): Promise<BrokerStats> {
    const seen = app.messages.filter((m) => m.kind === 'stats').length
    app.send({ kind: 'stats' })
    await app.until((all) => all.filter((m) => m.kind === 'stats').length > seen, 'stats')
    return app.messages.filter((m) => m.kind === 'stats').at(-1)?.stats as BrokerStats
  }

  /** Each app's replica as its broker reports it now. */
  const replicaStates = async (apps: Fixture[]) => Promise.all(apps.map(async (app) => (await statsOf(app)).reads.replicas[0]))

  /**
   * Publishes one sentinel per topic, waits for every app to have them both ways, stops the apps,
   * and checks that each got every published event of each topic once, in order, both ways;
   * returns each app's events by arrival.
   */
  async function finish(apps: Fixture[], topics: string[], published: Published[]): Promise<Message[][]> {
    const sentinels = await broker.publish(topics.map((topic) => ({ topic, type: 'sentinel', payload: {} })))
    const has = (app: Fixture, via: string, id: string) =>
      app.messages.some((m) => m.kind === 'event' && m.via === via && m.id === id)
    await Promise.all(
      apps.map((app) =>
        app.until(() => sentinels.every((s) => has(app, 'sse', s.id) && has(app, 'iterator', s.id)), 'every sentinel', 30_000),
      ),
    )
    for (const app of apps) app.send({ kind: 'stop' })
    await Promise.all(apps.map((app) => app.message((m) => m.kind === 'stopped', 'stopped')))
    for (const app of apps) {
      expect(app.messages.filter((m) => m.kind === 'brokerError' || (m.kind === 'storeError' && m.source !== 'replica'))).toEqual(
        [],
      )
      for (const topic of topics) {
        const want = [
          ...published.filter((p) => p.topic === topic).map((p) => p.id),
          sentinels.find((s) => s.topic === topic)?.id,
        ]
        for (const via of ['sse', 'iterator']) {
          const got = app.messages.filter((m) => m.kind === 'event' && m.via === via && m.topic === topic).map((m) => m.id)
          expect(got, `${topic} by ${via}: every event once, in order`).toEqual(want)
        }
      }
    }
    return apps.map((app) => app.messages.filter((m) => m.kind === 'event'))
  }

  it('acceptance 2: replay paused 3 s while browsers reconnect with Last-Event-ID: no reset, nothing lost or twice, all within 1 s of the resume', async () => {
    await replayedAll()
    const topics = ['paused-a', 'paused-b']
    const apps = await startApps(topics, {})
    const publishing = startPublishing(topics)
    await new Promise((resolve) => setTimeout(resolve, 500))
    await replicaAdmin.query('SELECT pg_wal_replay_pause()')
    let resumedAt: bigint
    try {
      for (let cut = 0; cut < 2; cut++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        for (const app of apps) app.send({ kind: 'cut' }) // iterators resubscribe after their last event, browsers reconnect
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      for (const state of await replicaStates(apps))
        expect(state, 'bypassed during the pause').toMatchObject({ state: 'lagging' })
    } finally {
      await replicaAdmin.query('SELECT pg_wal_replay_resume()')
      resumedAt = now()
    }
    const before = await replicaStates(apps)
    await until(
      async () => (await replicaStates(apps)).every((state, i) => state?.state === 'up' && state.reads > (before[i]?.reads ?? 0)),
      10_000,
      'every app reading from the replica again',
    )
    const published = await publishing.stop()
    const arrivals = await finish(apps, topics, published)
    const due = new Map(published.filter((p) => p.committedAt < resumedAt).map((p) => [p.id, p]))
    const committedAt = new Map(published.map((p) => [p.id, p.committedAt]))
    for (const events of arrivals) {
      const late = events.filter((m) => due.has(m.id as string) && BigInt(m.at as string) > resumedAt + 1_000_000_000n)
      expect(late, 'events committed before the resume, arriving later than 1 s after it').toEqual([])
      // Nothing waited for the replay: a read the paused replica could not answer in time went to the primary.
      const slowest = Math.max(
        ...events.map((m) => Number(BigInt(m.at as string) - (committedAt.get(m.id as string) ?? now())) / 1e6),
      )
      expect(slowest, 'the slowest delivery, in ms').toBeLessThan(1_000)
    }
  }, 120_000)

  it('acceptance 3: the replica stopped (immediate) mid-run: delivery goes on from the primary, nothing lost; read again once back', async () => {
    await replayedAll()
    const topics = ['stopped-a', 'stopped-b']
    const apps = await startApps(topics, { reconnectMaxMs: 500 })
    const publishing = startPublishing(topics)
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    await replica.stop('immediate')
    const stoppedAt = now()
    try {
      await new Promise((resolve) => setTimeout(resolve, 2_000))
      for (const state of await replicaStates(apps)) expect(state, 'bypassed while stopped').toMatchObject({ state: 'down' })
      // Delivered meanwhile, from the primary.
      for (const app of apps) {
        expect(app.messages.filter((m) => m.kind === 'event' && BigInt(m.at as string) > stoppedAt).length).toBeGreaterThan(50)
      }
    } finally {
      await replica.start()
    }
    const before = await replicaStates(apps)
    await until(
      async () => (await replicaStates(apps)).every((state, i) => state?.state === 'up' && state.reads > (before[i]?.reads ?? 0)),
      30_000,
      'every app reading from the restarted replica',
    )
    await finish(apps, topics, await publishing.stop())
    for (const app of apps) {
      expect(app.messages.some((m) => m.kind === 'storeError' && m.source === 'replica')).toBe(true)
    }
  }, 120_000)
})
