/**
 * The Postgres store with a read replica passes the whole conformance suite: its reads (readAfter,
 * heads, checkResume) go to a streaming replica behind the read fence, and answer exactly what
 * the primary would have (a scratch primary and hot standby of this file's own).
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type PostgresStore, postgresStore } from '../../adapters/postgres/index.js'
import { describeScratchPostgres } from '../helpers/describe-scratch-postgres.js'
import { type ScratchReplica, startScratchReplica } from '../helpers/scratch-postgres.js'
import { describeSqlConformance } from '../helpers/sql-conformance.js'

describeScratchPostgres('postgres conformance with a read replica', { config: ['fsync = off'] }, (cluster) => {
  let replica: ScratchReplica | undefined
  const pools: pg.Pool[] = []
  const stores: PostgresStore[] = []
  beforeAll(async () => {
    replica = await startScratchReplica(cluster(), { config: ['fsync = off'] })
  }, 60_000)
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()))
    await replica?.close()
  }, 60_000)

  describeSqlConformance(
    'postgresStore({ replica })',
    (tablePrefix) => {
      const store = postgresStore({
        connectionString: cluster().url(),
        replica: (replica as ScratchReplica).url(),
        tablePrefix,
        listenerHeartbeatMs: 2_000,
      })
      stores.push(store)
      return store
    },
    () => {
      const pool = new pg.Pool({ connectionString: cluster().url(), max: 12 })
      pool.on('error', () => {})
      pools.push(pool)
      return new Kysely({ dialect: new PostgresDialect({ pool }) })
    },
    ['transactions', 'atomic', 'wake', 'foreign-ids', 'shared', 'snapshot'],
  )

  it('the suite read from the replica (not only from the primary after bypassing it)', () => {
    const replicaReads = stores.flatMap((store) => store.readStatus?.().replicas ?? []).reduce((sum, r) => sum + r.reads, 0)
    const fallbacks = stores.flatMap((store) => store.readStatus?.().replicas ?? []).reduce((sum, r) => sum + r.fallbacks, 0)
    expect(replicaReads).toBeGreaterThan(100)
    expect(fallbacks).toBeLessThan(replicaReads / 10)
  })
})
