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
import { manyProcesses } from './helpers/many-processes.js'

const SCHEMA = 'replica_processes'
const EVENTS_TABLE = 'durable_sse_events'

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
})
