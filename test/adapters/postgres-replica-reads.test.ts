/**
 * `postgresStore({ replica })` on a scratch primary and its streaming replica: a read goes to the
 * replica only once it has replayed the primary's position as of the read (the fence), else to the
 * primary, which bypasses the replica until it keeps up again; a replica that is not a standby, or
 * stops, is bypassed and reported once, and used again once it answers; several replicas take
 * reads in turn; and where reads go shows in `readStatus()`, `broker.stats()` and `broker.health()`.
 */
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PostgresStore, type PostgresStoreOptions, postgresStore } from '../../adapters/postgres/index.js'
import { coalesced, parseLsn } from '../../adapters/postgres/read-fence.js'
import { createBroker, type EventRecord } from '../../src/index.js'
import { describeScratchPostgres } from '../helpers/describe-scratch-postgres.js'
import { type ScratchReplica, startScratchReplica } from '../helpers/scratch-postgres.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { until } from '../helpers/wait.js'

const SCHEMA = 'replica_reads'

/** Resolves once the replica behind `replicaAdmin` has replayed everything the primary at `primaryUrl` has written so far. */
async function replayedAll(primaryUrl: string, replicaAdmin: pg.Pool): Promise<void> {
  const primary = new pg.Client(primaryUrl)
  await primary.connect()
  try {
    const { rows } = await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
    const target = rows[0]?.lsn
    await until(
      async () => (await replicaAdmin.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [target])).rows[0]?.done,
      20_000,
      'the replica streaming and caught up',
    )
  } finally {
    await primary.end()
  }
}

describe('coalesced (the fence shared by concurrent reads)', () => {
  it('answers each call with a run started after it; calls during a run share the next one', async () => {
    const started: number[] = []
    let release: () => void = () => {}
    const query = coalesced(async () => {
      started.push(performance.now())
      await new Promise<void>((resolve) => (release = resolve))
      return started.length
    })
    const first = query()
    const askedAt = performance.now()
    const later = Array.from({ length: 10 }, () => query())
    release()
    expect(await first).toBe(1)
    await until(() => started.length === 2, 1_000, 'the second run')
    release()
    expect(await Promise.all(later)).toEqual(Array(10).fill(2))
    expect(started[1]).toBeGreaterThanOrEqual(askedAt)
    expect(started).toHaveLength(2)
  })

  it('a failed run fails its callers only; the next call runs again', async () => {
    let calls = 0
    const query = coalesced(async () => {
      calls++
      if (calls === 1) throw new Error('down')
      return calls
    })
    await expect(query()).rejects.toThrow('down')
    expect(await query()).toBe(2)
  })
})

describe('parseLsn', () => {
  it.each([
    ['0/3002048', 0x3002048n],
    ['1/28', (1n << 32n) | 0x28n],
  ])('%s → %s', (lsn, value) => {
    expect(parseLsn(lsn)).toBe(value)
  })

  it('a malformed position is a TypeError', () => {
    expect(() => parseLsn('3002048')).toThrow(TypeError)
  })
})

describe('postgresStore options: replica', () => {
  it.each([
    [{ replica: 42 }, /replica must be/],
    [{ replica: [''] }, /replica must be/],
    [{ replica: [null] }, /replica must be/],
    [{ replica: 'postgres://x', maxReplicaLagMs: 0 }, /maxReplicaLagMs/],
  ])('%j is a TypeError', (options, message) => {
    expect(() => postgresStore({ connectionString: 'postgres://x', ...options } as unknown as PostgresStoreOptions)).toThrow(
      message,
    )
  })
})

describeScratchPostgres('postgresStore({ replica }) on a streaming replica', { config: ['fsync = off'] }, (cluster) => {
  let replica: ScratchReplica
  let replicaAdmin: pg.Pool
  const stores: PostgresStore[] = []
  const errors: Array<{ error: unknown; source: string }> = []
  /** The start id (before any event) of the latest store's database. */
  let start = ''

  beforeAll(async () => {
    const setup = postgresStore({ connectionString: cluster().url(), schema: SCHEMA, notify: false })
    await setup.migrate() // before the base backup: the replica starts with the tables
    await setup.close()
    replica = await startScratchReplica(cluster(), { config: ['fsync = off'] })
    replicaAdmin = new pg.Pool({ connectionString: replica.url(), max: 1 })
    replicaAdmin.on('error', () => {})
    await replayedAll(cluster().url(), replicaAdmin)
  }, 60_000)
  afterAll(async () => {
    for (const store of stores) await store.close()
    await replicaAdmin?.end()
    await replica?.close()
  }, 60_000)

  /** A migrated store on the scratch primary with `options`; its errors are collected. */
  const storeWith = async (options: Partial<PostgresStoreOptions>): Promise<PostgresStore> => {
    const store = postgresStore({
      connectionString: cluster().url(),
      schema: SCHEMA,
      notify: false,
      poolConfig: { max: 2 },
      onError: (error, source) => errors.push({ error, source }),
      ...options,
    } as PostgresStoreOptions)
    stores.push(store)
    await store.migrate()
    // Read without the replica, so the counts below are of the reads each test makes.
    const plain = postgresStore({ connectionString: options.connectionString ?? cluster().url(), schema: SCHEMA, notify: false })
    start = (await plain.heads(['-'])).get('-') as string
    await plain.close()
    return store
  }
  const ids = (read: Map<string, EventRecord[]>, topic: string): string[] => (read.get(topic) ?? []).map((e) => e.id)
  const append = async (store: PostgresStore, topic: string): Promise<string> =>
    ((await store.append([{ topic, type: 't', data: '{}' }]))[0] as EventRecord).id
  const replicaOf = (store: PostgresStore) => store.readStatus().replicas[0]

  it('reads the replica once it has replayed the fence; paused replay: the primary answers, the replica is bypassed until it keeps up', async () => {
    const store = await storeWith({ replica: replica.url(), maxReplicaLagMs: 100 })
    const broker = createBroker(store, { heartbeatMs: 0 })
    const first = await append(store, 'fence')
    expect(ids(await store.readAfter([{ topic: 'fence', after: start }], 10), 'fence')).toEqual([first])
    expect(replicaOf(store)).toMatchObject({ state: 'up', reads: 1, fallbacks: 0 })
    expect(broker.stats().reads).toMatchObject({ target: 'replicas', replicas: [{ state: 'up', reads: 1 }] })
    expect(broker.health().checks.reads).toMatchObject({ ok: true, target: 'replicas' })

    await replicaAdmin.query('SELECT pg_wal_replay_pause()')
    try {
      const second = await append(store, 'fence')
      const startedAt = performance.now()
      expect(ids(await store.readAfter([{ topic: 'fence', after: start }], 10), 'fence')).toEqual([first, second])
      expect(performance.now() - startedAt).toBeGreaterThanOrEqual(90) // it waited for the replica first
      expect(replicaOf(store)).toMatchObject({ state: 'lagging', reads: 1, fallbacks: 1 })
      expect(broker.health()).toMatchObject({ ok: true, checks: { reads: { ok: true, target: 'primary' } } })
      // Bypassed: the next read goes straight to the primary.
      const third = await append(store, 'fence')
      expect(ids(await store.readAfter([{ topic: 'fence', after: second }], 10), 'fence')).toEqual([third])
      expect(replicaOf(store)).toMatchObject({ state: 'lagging', reads: 1, fallbacks: 1 })
      expect(replicaOf(store)?.lagMs).toBeGreaterThanOrEqual(100)
    } finally {
      await replicaAdmin.query('SELECT pg_wal_replay_resume()')
    }
    await until(() => replicaOf(store)?.state === 'up', 5_000, 'the replica back in use')
    const fourth = await append(store, 'fence')
    expect(ids(await store.readAfter([{ topic: 'fence', after: first }], 10), 'fence').at(-1)).toBe(fourth)
    expect(replicaOf(store)).toMatchObject({ state: 'up', reads: 2 })
    expect(replicaOf(store)?.lagMs).toBeLessThan(100)
    await broker.close()
  })

  it('a transaction set to synchronous_commit = off that publishes commits durably (local), so the fence covers it: read back from the replica at once', async () => {
    // Up to 1 s of waiting allowed: an asynchronous commit would reach the replica only once the WAL writer flushed it (every 200 ms).
    const store = await storeWith({ replica: replica.url(), maxReplicaLagMs: 1_000 })
    const app = new Kysely<any>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: cluster().url(), max: 1 }) }),
    })
    try {
      let after = start
      for (let i = 0; i < 20; i++) {
        const [record] = await app.transaction().execute(async (trx) => {
          await sql`SET LOCAL synchronous_commit = off`.execute(trx)
          const records = await store.append([{ topic: 'async', type: 't', data: '{}' }], { transaction: trx })
          const { rows } = await sql<{ setting: string }>`SELECT current_setting('synchronous_commit') AS setting`.execute(trx)
          expect(rows[0]?.setting).toBe('local')
          return records
        })
        expect(ids(await store.readAfter([{ topic: 'async', after }], 10), 'async'), `commit ${i}`).toEqual([record?.id])
        after = record?.id as string
      }
      expect(replicaOf(store)).toMatchObject({ state: 'up', reads: 20 })
    } finally {
      await app.destroy()
    }
  })

  it('several replicas (a URL and a pg.Pool) take reads in turn', async () => {
    const pool = new pg.Pool({ connectionString: replica.url(), max: 2 })
    try {
      const store = await storeWith({ replica: [replica.url(), pool] })
      const id = await append(store, 'turns')
      for (let i = 0; i < 4; i++)
        expect(ids(await store.readAfter([{ topic: 'turns', after: start }], 10), 'turns')).toEqual([id])
      const { replicas } = store.readStatus()
      expect(replicas.map((r) => [r.name, r.reads])).toEqual([
        [`127.0.0.1:${replica.port}/postgres`, 2],
        [`127.0.0.1:${replica.port}/postgres`, 2],
      ])
    } finally {
      await pool.end()
    }
  })

  it('a replica that is not a standby is never read: down, reported once, the primary answers', async () => {
    errors.length = 0
    const store = await storeWith({ replica: { connectionString: cluster().url() }, reconnectMinMs: 20, reconnectMaxMs: 40 })
    const id = await append(store, 'not-standby')
    expect(ids(await store.readAfter([{ topic: 'not-standby', after: start }], 10), 'not-standby')).toEqual([id])
    expect(replicaOf(store)).toMatchObject({ state: 'down', reads: 0, fallbacks: 1, lagMs: undefined })
    await new Promise((resolve) => setTimeout(resolve, 200)) // several probes fail meanwhile: still one report
    expect(errors.map((e) => [e.source, String(e.error)])).toEqual([
      ['replica', expect.stringContaining('is not a standby') as unknown as string],
    ])
    expect(store.readStatus().target).toBe('primary')
  })

  it('a replica of another database (another epoch) is never read: down, reported, the primary answers', async () => {
    errors.length = 0
    const admin = new pg.Client(cluster().url())
    await admin.connect()
    await admin.query('CREATE DATABASE other')
    await admin.end()
    const other = cluster().url('other')
    // The replica's `postgres` database holds this file's tables under another epoch.
    const store = await storeWith({ connectionString: other, replica: replica.url() })
    const id = await append(store, 'elsewhere')
    expect(ids(await store.readAfter([{ topic: 'elsewhere', after: start }], 10), 'elsewhere')).toEqual([id])
    expect(replicaOf(store)).toMatchObject({ state: 'down', reads: 0, fallbacks: 1 })
    expect(errors.map((e) => [e.source, String(e.error)])).toEqual([
      ['replica', expect.stringContaining('holds another database') as unknown as string],
    ])
  })

  it('a replica cut off by a partition (silent sockets) delays a read by at most maxReplicaLagMs, not its deadline; down once the deadline fails it; read again after the heal', async () => {
    errors.length = 0
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: replica.port })
    try {
      const store = await storeWith({
        replica: proxy.url(replica.url()),
        maxReplicaLagMs: 100,
        queryTimeoutMs: 1_000,
        connectTimeoutMs: 1_000,
        reconnectMinMs: 50,
        reconnectMaxMs: 200,
      })
      const first = await append(store, 'silent')
      expect(ids(await store.readAfter([{ topic: 'silent', after: start }], 10), 'silent')).toEqual([first])
      expect(replicaOf(store)).toMatchObject({ state: 'up', reads: 1 })

      expect(proxy.blackhole()).toBeGreaterThan(0)
      const second = await append(store, 'silent')
      const startedAt = performance.now()
      expect(ids(await store.readAfter([{ topic: 'silent', after: start }], 10), 'silent')).toEqual([first, second])
      expect(performance.now() - startedAt, 'the read waited for the silent replica, in ms').toBeLessThan(500)
      expect(replicaOf(store)).toMatchObject({ state: 'lagging', fallbacks: 1 })
      await until(() => replicaOf(store)?.state === 'down', 5_000, 'the deadline failing the silent replica')
      expect(errors.some((e) => e.source === 'replica' && (e.error as { code?: string }).code === 'STORE_TIMEOUT')).toBe(true)

      proxy.heal()
      await until(() => replicaOf(store)?.state === 'up', 10_000, 'the replica back after the heal')
      // Each read is exact wherever it runs; under load one may still miss the 100 ms and go to the primary.
      let after = second
      await until(
        async () => {
          const next = await append(store, 'silent')
          expect(ids(await store.readAfter([{ topic: 'silent', after }], 10), 'silent')).toEqual([next])
          after = next
          return (replicaOf(store)?.reads ?? 0) >= 2
        },
        10_000,
        'a read answered by the replica after the heal',
      )
    } finally {
      await proxy.close()
    }
  }, 30_000)

  it('a replica that stops is bypassed (reported once, not per probe), and read again once it is back', async () => {
    errors.length = 0
    const store = await storeWith({ replica: replica.url(), reconnectMinMs: 50, reconnectMaxMs: 200 })
    const first = await append(store, 'stops')
    expect(ids(await store.readAfter([{ topic: 'stops', after: start }], 10), 'stops')).toEqual([first])
    await replica.stop('immediate')
    try {
      const second = await append(store, 'stops')
      expect(ids(await store.readAfter([{ topic: 'stops', after: start }], 10), 'stops')).toEqual([first, second])
      expect(replicaOf(store)).toMatchObject({ state: 'down', reads: 1, fallbacks: 1 })
      const reported = errors.filter((e) => e.source === 'replica').length
      expect(reported).toBeGreaterThanOrEqual(1) // the read's failure, and each pooled connection that died
      await new Promise((resolve) => setTimeout(resolve, 600)) // several probes fail meanwhile
      expect(errors.filter((e) => e.source === 'replica')).toHaveLength(reported)
    } finally {
      await replica.start()
    }
    await until(() => replicaOf(store)?.state === 'up', 10_000, 'the restarted replica back in use')
    const third = await append(store, 'stops')
    expect(ids(await store.readAfter([{ topic: 'stops', after: first }], 10), 'stops').at(-1)).toBe(third)
    expect(replicaOf(store)).toMatchObject({ state: 'up', reads: 2 })
  }, 30_000)
})
