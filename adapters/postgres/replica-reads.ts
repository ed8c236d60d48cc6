/**
 * Where a store's reads (`readAfter`, `heads`, `checkResume`) go: to its read replicas in turn,
 * each behind a fence taken on the primary after the read was asked (concurrent reads share one),
 * so the answer is what the primary would have given; to the primary when no replica is usable, or when the replica read
 * could not be made in time. Every other statement of the store runs on the primary.
 * @module
 */
import type { Kysely } from 'kysely'
import type { ReadStatus } from '../../src/store.js'
import { rowsOf } from '../kit/sql-store-parts.js'
import { openReplicaConnection } from './postgres-connection.js'
import { hotStatements, type PostgresStatements } from './postgres-sql.js'
import { isPool, type PostgresReplica, type PostgresStoreConfig, type PostgresStoreOptions } from './postgres-store-config.js'
import { PreparedStatements } from './prepared-statements.js'
import { coalesced, type Fence, parseLsn } from './read-fence.js'
import { Replica } from './replica.js'
import { ReplicaTimelines } from './replica-timeline.js'

/** A store's reads, routed. */
export interface ReplicaReads {
  /** Runs `read` on a replica that has caught up with the primary as of now (with the fence it caught up with), or on `primary` (without one). */
  read<T>(primary: Kysely<any>, read: (db: Kysely<any>, fence?: Fence) => Promise<T>): Promise<T>
  /** Where reads go, and each replica's state. */
  status(): ReadStatus
  /** Stops the probes and closes the replicas' connections. */
  close(): Promise<void>
}

/** `host:port/database` of a URL (never its credentials), or `undefined` when it is not one. */
function urlName(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`
  } catch {
    return undefined
  }
}

/** How a replica is named in status and errors: `host:port/database`, or `replica <n>` when that cannot be told. */
function replicaName(replica: PostgresReplica, index: number): string {
  const settings = (typeof replica === 'string' ? { connectionString: replica } : isPool(replica) ? replica.options : replica) as
    | Record<string, unknown>
    | undefined
  const url = typeof settings?.connectionString === 'string' ? urlName(settings.connectionString) : undefined
  if (url !== undefined) return url
  if (typeof settings?.host === 'string') return `${settings.host}:${settings.port ?? 5432}/${settings.database ?? ''}`
  return `replica ${index + 1}`
}

/** The routed reads of a store with `config.replicas` (at least one), fenced on `primary`. */
export function replicaReads(
  primary: Kysely<any>,
  sql: PostgresStatements,
  options: PostgresStoreOptions,
  config: PostgresStoreConfig,
  ours: ReadonlySet<string>,
): ReplicaReads {
  const fence = coalesced(async (): Promise<Fence> => {
    const [row] = await rowsOf<{ lsn: string; timeline: number | string }>(primary, sql.fence)
    if (row === undefined) throw new Error('durable-sse/postgres: the fence statement returned no row')
    return { lsn: parseLsn(row.lsn), at: performance.now(), timeline: row.timeline }
  })
  /** Rejects unless the replica `db` holds the database of `primary`: the same epoch in its meta table. */
  const sameDatabase = async (db: Kysely<any>, name: string): Promise<void> => {
    const [ours, theirs] = await Promise.all([
      rowsOf<{ epoch: string }>(primary, sql.databaseEpoch),
      rowsOf<{ epoch: string }>(db, sql.databaseEpoch),
    ])
    if (ours[0]?.epoch !== theirs[0]?.epoch) {
      throw new Error(
        `durable-sse/postgres: replica ${name} holds another database (epoch ${theirs[0]?.epoch ?? 'none'}, the primary's ${ours[0]?.epoch}): not read`,
      )
    }
  }
  const replicas = config.replicas.map(
    (replica, index) =>
      new Replica({
        name: replicaName(replica, index),
        connect: (lost) => {
          const noticing: PostgresStoreConfig = {
            ...config,
            onError: (error, source) => {
              lost()
              config.onError(error, source)
            },
          }
          return openReplicaConnection(replica, options, noticing, ours, new PreparedStatements(hotStatements(sql)))
        },
        replayedSql: sql.replayed,
        fence,
        sameDatabase: (db) => sameDatabase(db, replicaName(replica, index)),
        maxLagMs: config.maxReplicaLagMs,
        probeMinMs: config.reconnectMinMs,
        probeMaxMs: config.reconnectMaxMs,
        report: (error) => config.onError(error, 'replica'),
      }),
  )
  const timelines = new ReplicaTimelines(sql.replicaTimeline, (error) => config.onError(error, 'replica'))
  let turn = 0
  /** The next usable replica in turn, if any. */
  const pick = (): Replica | undefined => {
    for (let i = 0; i < replicas.length; i++) {
      const replica = replicas[(turn + i) % replicas.length] as Replica
      if (!replica.usable) continue
      turn = (turn + i + 1) % replicas.length
      return replica
    }
    return undefined
  }
  return {
    async read(db, read) {
      const replica = pick()
      if (replica === undefined) return read(db)
      const fenced = await fence()
      if (!(await timelines.holds(replica.name, replica.db, fenced.timeline))) return read(db)
      const done = await replica.read(fenced, (replicaDb) => read(replicaDb, fenced))
      return done === undefined ? read(db) : done.answer
    },
    status() {
      const list = replicas.map((replica) => replica.status())
      return { target: replicas.some((replica) => replica.usable) ? 'replicas' : 'primary', replicas: list }
    },
    async close() {
      await Promise.all(replicas.map((replica) => replica.close()))
    },
  }
}
