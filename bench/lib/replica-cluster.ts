/**
 * A scratch primary with a streaming replica for the issue 21 scenarios (the tests' helpers, never
 * the shared server): both stock PostgreSQL 15 settings (fsync on, asynchronous replication), the
 * replica a hot standby made by `pg_basebackup -R -X stream -C`; optionally with
 * `pg_stat_statements` loaded in both.
 * @module
 */
import pg from 'pg'
import {
  type ScratchPostgres,
  type ScratchReplica,
  startScratchPostgres,
  startScratchReplica,
} from '../../test/helpers/scratch-postgres.js'
import { sleep } from './clock.js'
import { enableStatementStats, STATEMENT_STATS_CONFIG } from './statement-stats.js'

/** A running primary and its replica. */
export interface ReplicaCluster {
  /** The primary. */
  primary: ScratchPostgres
  /** Its hot standby. */
  replica: ScratchReplica
  /** Resolves once the replica has replayed everything the primary had written when it was called. */
  replayed(timeoutMs?: number): Promise<void>
  /** Stops both and deletes their files. */
  close(): Promise<void>
}

/** Runs `sql` on a fresh connection to `url` and returns its first row. */
async function queryOne<T>(url: string, sql: string, params: unknown[] = []): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  try {
    return (await client.query(sql, params)).rows[0] as T
  } finally {
    await client.end().catch(() => {})
  }
}

/** Starts a scratch primary, then a streaming replica of it; with `statementStats`, both count their statements (`pg_stat_statements`). */
export async function startReplicaCluster(options: { statementStats?: boolean } = {}): Promise<ReplicaCluster> {
  const primary = await startScratchPostgres({ config: options.statementStats ? [STATEMENT_STATS_CONFIG] : [] })
  let replica: ScratchReplica
  try {
    if (options.statementStats) await enableStatementStats(primary.url())
    replica = await startScratchReplica(primary)
  } catch (error) {
    await primary.close()
    throw error
  }
  return {
    primary,
    replica,
    async replayed(timeoutMs = 120_000) {
      const { lsn } = await queryOne<{ lsn: string }>(primary.url(), 'SELECT pg_current_wal_lsn()::text AS lsn')
      const deadline = Date.now() + timeoutMs
      const sql = 'SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done'
      while (!(await queryOne<{ done: boolean }>(replica.url(), sql, [lsn])).done) {
        if (Date.now() > deadline) throw new Error(`the replica had not replayed ${lsn} after ${timeoutMs} ms`)
        await sleep(20)
      }
    },
    async close() {
      await replica.close()
      await primary.close()
    },
  }
}
