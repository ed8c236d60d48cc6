/**
 * Scenario 2, publish throughput with 256-byte payloads and 1/4/16/64 concurrent publishers:
 * durable-sse on SQLite beside raw better-sqlite3 single-row and 100-row transactions, and on
 * Postgres (NOTIFY on and off) beside raw `pg` single-row inserts (with and without NOTIFY), and on
 * MySQL / MariaDB beside raw `mysql2` single-row autocommit inserts.
 * One process per variant, kept for the whole scenario; repetitions alternate between them.
 * @module
 */
import { type Child, startChild } from '../lib/child.js'
import type { RunContext } from '../lib/context.js'
import { mergeEncoded, summarize } from '../lib/histogram.js'
import { createDatabase, dropDatabase } from '../lib/mysql.js'
import { createSchema, dropSchema } from '../lib/postgres.js'
import { type Comparison, ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { rotate } from '../lib/stats.js'
import type { PublisherStart } from '../procs/publisher.js'

interface StoreBench {
  id: string
  title: string
  variants: string[]
  publishers: number[]
  comparisons: Comparison[]
}

/** Runs one store's variants at every concurrency level. */
async function runStore(ctx: RunContext, bench: StoreBench): Promise<ScenarioResult> {
  const { durationMs, payloadBytes } = ctx.sizes.publish
  const recorder = new ScenarioRecorder(bench.id, bench.title, bench.variants, bench.comparisons, {
    publishers: bench.publishers,
    durationMs,
    payloadBytes,
  })
  for (const p of bench.publishers) {
    recorder.metric(`p${p}.perSec`, `events/s, ${p} publisher${p > 1 ? 's' : ''}`, '/s', 'higher')
    recorder.metric(`p${p}.p99`, `p99 per publish call, ${p} publisher${p > 1 ? 's' : ''}`, 'ms', 'lower')
    recorder.metric(`p${p}.cpuNs`, `publisher process CPU per event, ${p} publisher${p > 1 ? 's' : ''}`, 'ns', 'lower')
  }
  const schemas: string[] = []
  const databases: string[] = []
  const children = new Map<string, Child>()
  try {
    for (const variant of bench.variants) {
      const start: PublisherStart = { variant, tmpDir: ctx.tmpDir }
      if (variant.includes('pg')) {
        const schema = await createSchema(variant.replaceAll('-', '_'), ctx.postgresUrl)
        schemas.push(schema)
        Object.assign(start, { postgresUrl: ctx.postgresUrl, schema })
      }
      if (variant.includes('mysql')) {
        const mysqlUrl = await createDatabase(variant, ctx.mysqlUrl)
        databases.push(mysqlUrl)
        Object.assign(start, { mysqlUrl, poolMax: 16 })
      }
      children.set(variant, await startChild(`publish:${variant}`, 'procs/publisher.ts', start))
    }
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const p of bench.publishers) {
        const line: string[] = []
        for (const variant of rotate(bench.variants, rep + p)) {
          try {
            const result = await (children.get(variant) as Child).request<{
              perSec: number
              cpuNsPerEvent: number
              errors: number
              histogram: string
            }>('run', { publishers: p, durationMs, payloadBytes }, durationMs + 60_000)
            const latency = summarize(mergeEncoded([result.histogram]))
            recorder.add(variant, `p${p}.perSec`, result.perSec)
            recorder.add(variant, `p${p}.p99`, latency.p99)
            recorder.add(variant, `p${p}.cpuNs`, result.cpuNsPerEvent)
            if (result.errors > 0) recorder.notes.push(`${variant} with ${p} publishers: ${result.errors} failed publishes`)
            line.push(`${variant} ${Math.round(result.perSec)}/s`)
          } catch (error) {
            recorder.notes.push(
              `${variant} with ${p} publishers rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`,
            )
            line.push(`${variant} FAILED`)
          }
        }
        ctx.log(`  ${bench.id} rep ${rep + 1}, ${p} publishers: ${line.join(', ')}`)
      }
    }
  } finally {
    await Promise.all([...children.values()].map((child) => child.stop()))
    for (const schema of schemas) await dropSchema(schema, ctx.postgresUrl)
    for (const database of databases) await dropDatabase(database)
  }
  return recorder.result()
}

/** Runs the SQLite and (when a server answers) the Postgres publish benchmarks. */
export async function publishScenarios(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  const { sqlitePublishers, pgPublishers } = ctx.sizes.publish
  const results: ScenarioResult[] = []
  if (selected('publish-sqlite')) {
    ctx.log('publish-sqlite')
    results.push(
      await runStore(ctx, {
        id: 'publish-sqlite',
        title: 'Publish throughput: SQLite (WAL, synchronous=NORMAL), 256-byte payloads',
        variants: ['ours-sqlite', 'raw-sqlite-1', 'raw-sqlite-100', 'raw-sqlite-16t', 'ours-sqlite-x100'],
        publishers: sqlitePublishers,
        comparisons: [
          { label: 'ours / raw 100-row tx', a: 'ours-sqlite', b: 'raw-sqlite-100' },
          { label: 'ours / raw 1-row tx', a: 'ours-sqlite', b: 'raw-sqlite-1' },
          { label: 'ours / raw 16 topics per tx', a: 'ours-sqlite', b: 'raw-sqlite-16t' },
          { label: 'ours, arrays of 100 / raw 100-row tx', a: 'ours-sqlite-x100', b: 'raw-sqlite-100' },
        ],
      }),
    )
  }
  if (selected('publish-mysql')) {
    if (ctx.mysqlUrl) {
      ctx.log('publish-mysql')
      results.push(
        await runStore(ctx, {
          id: 'publish-mysql',
          title: 'Publish throughput: MySQL / MariaDB (InnoDB, innodb_flush_log_at_trx_commit as configured), 256-byte payloads',
          variants: ['ours-mysql', 'raw-mysql'],
          // 1 and 16 publishers (issue 22's target), or the mode's reduced set.
          publishers: pgPublishers.some((p) => p === 16) ? pgPublishers.filter((p) => p === 1 || p === 16) : pgPublishers,
          comparisons: [{ label: 'ours / raw autocommit insert', a: 'ours-mysql', b: 'raw-mysql' }],
        }),
      )
    } else ctx.log('publish-mysql: skipped (no MySQL)')
  }
  if (selected('publish-postgres')) {
    if (!ctx.postgresUrl) {
      ctx.log('publish-postgres: skipped (no Postgres)')
      return results
    }
    ctx.log('publish-postgres')
    results.push(
      await runStore(ctx, {
        id: 'publish-postgres',
        title: 'Publish throughput: Postgres (synchronous_commit on), 256-byte payloads',
        variants: ['ours-pg', 'ours-pg-poll', 'raw-pg', 'raw-pg-notify'],
        publishers: pgPublishers,
        comparisons: [
          { label: 'ours (NOTIFY) / raw insert', a: 'ours-pg', b: 'raw-pg' },
          { label: 'ours (no NOTIFY) / raw insert', a: 'ours-pg-poll', b: 'raw-pg' },
          { label: 'ours (NOTIFY) / raw insert+NOTIFY', a: 'ours-pg', b: 'raw-pg-notify' },
        ],
      }),
    )
  }
  return results
}
