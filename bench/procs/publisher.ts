/**
 * Publish throughput (scenario 2) in one process per variant: `publishers` concurrent closed
 * loops, each publishing one event (or, for raw 100-row transactions, 100 rows) and awaiting it
 * before the next, for a fixed time after a warm-up. Counts events per second, per-call latency and
 * this process's CPU time per event (robust to other load on the machine; for SQLite it includes
 * the database's work, for Postgres only the client's).
 * @module
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { Broker } from '../../src/index.js'
import { nowUs, sleep } from '../lib/clock.js'
import { encodeHistogram, newHistogram, recordUs } from '../lib/histogram.js'
import { cpuUs } from '../lib/memory.js'
import { loadOurs } from '../lib/ours.js'
import { busOptions, openStore, type StoreConfig } from '../lib/stores.js'
import { serve, startArgs } from '../lib/worker.js'

/** Start arguments. */
export interface PublisherStart {
  /** `ours-sqlite`, `ours-sqlite-x100`, `raw-sqlite-<rows per transaction>[t]`, `ours-pg`, `ours-pg-poll`, `ours-pg-bus`, `raw-pg`, `raw-pg-notify`, `ours-mysql`, `raw-mysql`. */
  variant: string
  /** `ours-pg-bus`: the NATS server's URL. */
  bus?: string
  /** Largest pool of the Postgres store (several publisher processes share the server's connections). */
  poolMax?: number
  /** Prefix of the publishers' topics (`<prefix>p<i>`): distinct per process when several publish at once. */
  topicPrefix?: string
  /** Directory for SQLite files. */
  tmpDir: string
  /** The URL of this variant's MySQL database (MySQL variants). */
  mysqlUrl?: string
  /** Postgres URL and this variant's schema (Postgres variants). */
  postgresUrl?: string
  schema?: string
}

/** Publishes one batch for publisher `i`; resolves with the events written. */
type PublishOnce = (i: number, data: string) => Promise<number>

const start = startArgs<PublisherStart>()

async function setup(): Promise<{
  publish: PublishOnce
  open?: (publishers: number) => Promise<void>
  close?: () => Promise<void>
}> {
  // `ours-sqlite@name` runs the experimental copy `name` of BENCH_EXP_SRC (see lib/ours.ts).
  const [variant, experiment] = start.variant.split('@') as [string, string | undefined]
  if (variant.startsWith('ours-')) {
    const { createBroker } = await loadOurs(experiment)
    // ours-sqlite-x100: every call publishes an array of 100 events of the publisher's topic (one transaction).
    const perCall = variant.endsWith('-x100') ? 100 : 1
    const config: StoreConfig = variant.startsWith('ours-sqlite')
      ? { kind: 'sqlite', filename: join(start.tmpDir, `publish-${process.pid}.db`) }
      : variant === 'ours-mysql'
        ? { kind: 'mysql', uri: start.mysqlUrl as string, poolMax: start.poolMax }
        : {
            kind: 'postgres',
            connectionString: start.postgresUrl as string,
            schema: start.schema as string,
            notify: variant === 'ours-pg',
            poolMax: start.poolMax,
            bus: variant === 'ours-pg-bus' ? start.bus : undefined,
          }
    const broker: Broker = createBroker(await openStore(config), { ...(await busOptions(config)), onError: () => {} })
    const prefix = start.topicPrefix ?? ''
    return {
      publish: async (i, data) => {
        const event = { topic: `${prefix}p${i}`, type: 'pub', payload: { pad: data } }
        if (perCall === 1) await broker.publish(event)
        else await broker.publish(Array.from({ length: perCall }, () => event))
        return perCall
      },
    }
  }
  if (variant.startsWith('raw-sqlite')) {
    const filename = join(start.tmpDir, `publish-raw-${process.pid}.db`)
    const store = await openStore({ kind: 'sqlite', filename }) // same schema as ours
    await store.close()
    const db = new Database(filename)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const insert = db.prepare('INSERT INTO durable_sse_events (topic, type, data, created_at) VALUES (?, ?, ?, ?)')
    // raw-sqlite-<rows per transaction>, all of the publisher's topic; with a `t` suffix
    // (raw-sqlite-16t) each row has its own topic, the shape of a group commit of 16 publishers.
    const rows = Number.parseInt(variant.slice('raw-sqlite-'.length), 10) || 1
    const spread = variant.endsWith('t')
    const write = db.transaction((topic: string, data: string) => {
      const createdAt = new Date().toISOString()
      for (let r = 0; r < rows; r++) insert.run(spread ? `p${r}` : topic, 'pub', data, createdAt)
    })
    return {
      publish: async (i, data) => {
        write.immediate(`p${i}`, JSON.stringify({ pad: data }))
        return rows
      },
    }
  }
  if (variant === 'raw-mysql') return rawMysql()
  // raw pg: single-row autocommit inserts into a plain table (bigserial id), optionally with NOTIFY.
  const table = `"${start.schema}".raw_events`
  const admin = new pg.Client({ connectionString: start.postgresUrl })
  await admin.connect()
  await admin.query(
    `CREATE TABLE IF NOT EXISTS ${table} (id bigserial PRIMARY KEY, topic text NOT NULL, type text NOT NULL, data text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
  )
  await admin.query(`CREATE INDEX IF NOT EXISTS raw_events_topic_id ON ${table} (topic, id)`)
  await admin.end()
  const sql =
    variant === 'raw-pg-notify'
      ? `WITH i AS (INSERT INTO ${table} (topic, type, data) VALUES ($1, $2, $3) RETURNING topic) SELECT pg_notify('bench_raw', topic) FROM i`
      : `INSERT INTO ${table} (topic, type, data) VALUES ($1, $2, $3)`
  let pool: pg.Pool | undefined
  return {
    open: async (publishers) => {
      // max_connections is 100 and shared with other test suites: 64 publishers share 32 connections.
      pool = new pg.Pool({ connectionString: start.postgresUrl, max: Math.min(publishers, 32) })
      pool.on('error', () => {})
    },
    publish: async (i, data) => {
      await (pool as pg.Pool).query(sql, [`p${i}`, 'pub', JSON.stringify({ pad: data })])
      return 1
    },
    close: async () => {
      await pool?.end()
      pool = undefined
    },
  }
}

/** raw mysql2: single-row autocommit inserts into a table of the events' shape (an AUTO_INCREMENT key, a (topic, id) index). */
async function rawMysql(): Promise<{
  publish: PublishOnce
  open: (publishers: number) => Promise<void>
  close: () => Promise<void>
}> {
  const mysql = (await import('mysql2/promise')).default
  const admin = await mysql.createConnection({ uri: start.mysqlUrl as string })
  await admin.query(`CREATE TABLE IF NOT EXISTS raw_events (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, topic VARBINARY(2048) NOT NULL, type TEXT NOT NULL,
    data LONGTEXT NOT NULL, created_at DATETIME(3) NOT NULL, KEY raw_events_topic_id (topic, id))
    ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`)
  await admin.end()
  let pool: ReturnType<typeof mysql.createPool> | undefined
  return {
    open: async (publishers) => {
      pool = mysql.createPool({ uri: start.mysqlUrl as string, connectionLimit: Math.min(publishers, 32) })
    },
    publish: async (i, data) => {
      await pool?.query('INSERT INTO raw_events (topic, type, data, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(3))', [
        `p${i}`,
        'pub',
        JSON.stringify({ pad: data }),
      ])
      return 1
    },
    close: async () => {
      await pool?.end()
      pool = undefined
    },
  }
}

const bench = await setup()

/** Runs `publishers` loops for `ms`; returns events written and the per-call latency histogram. */
async function loops(
  publishers: number,
  ms: number,
  data: string,
): Promise<{ events: number; errors: number; histogram: ReturnType<typeof newHistogram> }> {
  const histogram = newHistogram()
  const deadline = nowUs() + ms * 1000
  let events = 0
  let errors = 0
  const loop = async (i: number): Promise<void> => {
    while (nowUs() < deadline) {
      const t0 = nowUs()
      try {
        const written = await bench.publish(i, data) // not `events += await ...`: that reads `events` before the await
        events += written
        recordUs(histogram, nowUs() - t0)
      } catch {
        errors++
        await sleep(1)
      }
    }
  }
  await Promise.all(Array.from({ length: publishers }, (_, i) => loop(i)))
  return { events, errors, histogram }
}

serve({
  run: async ({ publishers, durationMs, payloadBytes }: { publishers: number; durationMs: number; payloadBytes: number }) => {
    const data = 'x'.repeat(Math.max(0, payloadBytes - 12)) // {"pad":"..."} is payloadBytes long
    await bench.open?.(publishers)
    try {
      await loops(publishers, Math.min(300, durationMs / 3), data) // warm-up
      const started = nowUs()
      const cpuBefore = cpuUs()
      const { events, errors, histogram } = await loops(publishers, durationMs, data)
      const cpuNsPerEvent = ((cpuUs() - cpuBefore) * 1000) / Math.max(1, events)
      const seconds = (nowUs() - started) / 1e6
      return { events, errors, perSec: events / seconds, cpuNsPerEvent, histogram: encodeHistogram(histogram) }
    } finally {
      await bench.close?.()
    }
  },
})
