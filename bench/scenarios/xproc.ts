/**
 * Scenario 3, cross-process latency: process A publishes at a fixed rate, process B serves SSE
 * and a load generator (process C) receives; B learns of A's events by Postgres NOTIFY, by
 * polling only, by a NATS bus that carries them (`notify: false`, issue 20), or by SQLite's
 * `data_version`, or (`xproc-mysql`, beside SQLite) by the MySQL store's change cursor. The floor is a raw `pg` NOTIFY → LISTEN round
 * trip (alone, and with an insert in the same statement). Every rig stays up for the whole
 * scenario; repetitions alternate between them.
 * @module
 */
import { join } from 'node:path'
import { startChild } from '../lib/child.js'
import type { RunContext } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import { mergeEncoded, summarize } from '../lib/histogram.js'
import { createDatabase, dropDatabase } from '../lib/mysql.js'
import { type NatsServer, startNatsServer } from '../lib/nats-server.js'
import { createSchema, dropSchema } from '../lib/postgres.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { rotate } from '../lib/stats.js'
import type { StoreConfig } from '../lib/stores.js'
import { oursRig, type Rig } from '../lib/xproc-rig.js'
import type { XprocPublish, XprocPublisherStart } from '../procs/xproc-publisher.js'

/** Raw `pg_notify` in A, a LISTEN client in B. */
async function rawRig(name: string, postgresUrl: string, insertInto: string | undefined): Promise<Rig> {
  const channel = `bench_${name.replaceAll('-', '_')}_${process.pid}`
  const listener = await startChild(`xproc-b:${name}`, 'procs/notify-listener.ts', { postgresUrl, channel })
  const publisher = await startChild(`xproc-a:${name}`, 'procs/xproc-publisher.ts', {
    kind: 'raw',
    postgresUrl,
    channel,
    insertInto,
  } satisfies XprocPublisherStart)
  return {
    processes: [listener, publisher],
    async measure(publish) {
      await listener.request('reset')
      const { committed } = await publisher.request<{ committed: string }>('publish', publish, publish.maxMs + 60_000)
      const { received, histogram } = await listener.request<{ received: number; histogram: string }>('wait', {
        count: publish.count,
        timeoutMs: 10_000,
      })
      return { latency: summarize(mergeEncoded([histogram])), committed: summarize(mergeEncoded([committed])), received }
    },
  }
}

/** A table of the scenario: its id, title, variants and ratio columns. */
interface XprocTable {
  id: string
  title: string
  variants: string[]
  comparisons: Array<{ label: string; a: string; b: string }>
}

/** Runs the cross-process latency scenario: `xproc` (Postgres and SQLite) and `xproc-mysql` (MySQL beside SQLite, issue 22). */
export async function xprocScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  const { rate } = ctx.sizes.xproc
  const at = `publish in process A at ${rate.toLocaleString('en')} events/s, receive from process B over SSE`
  const tables: XprocTable[] = []
  if (selected('xproc'))
    tables.push({
      id: 'xproc',
      title: `Cross-process latency: ${at}`,
      variants: ctx.postgresUrl
        ? ['ours-pg-notify', 'ours-pg-bus', 'ours-pg-poll', 'ours-sqlite', 'raw-notify', 'raw-insert-notify']
        : ['ours-sqlite'],
      comparisons: [
        { label: 'ours (NOTIFY) / raw NOTIFY floor', a: 'ours-pg-notify', b: 'raw-notify' },
        { label: 'ours (NOTIFY) / raw insert+NOTIFY', a: 'ours-pg-notify', b: 'raw-insert-notify' },
        { label: 'ours (NATS bus) / raw NOTIFY floor', a: 'ours-pg-bus', b: 'raw-notify' },
      ],
    })
  if (selected('xproc-mysql')) {
    if (ctx.mysqlUrl)
      tables.push({
        id: 'xproc-mysql',
        title: `Cross-process latency on MySQL / MariaDB beside SQLite: ${at}`,
        variants: ['ours-mysql', 'ours-sqlite'],
        comparisons: [{ label: 'ours (MySQL) / ours (SQLite)', a: 'ours-mysql', b: 'ours-sqlite' }],
      })
    else ctx.log('xproc-mysql: skipped (no MySQL)')
  }
  const results: ScenarioResult[] = []
  for (const table of tables) results.push(await runTable(ctx, table))
  return results
}

/** Runs one table of the scenario. */
async function runTable(ctx: RunContext, table: XprocTable): Promise<ScenarioResult> {
  const { rate, seconds, pollIntervalMs } = ctx.sizes.xproc
  const count = Math.round(rate * seconds)
  const url = ctx.postgresUrl
  const { variants } = table
  const recorder = new ScenarioRecorder(table.id, table.title, variants, table.comparisons, {
    rate,
    seconds,
    pollIntervalMs,
    sqliteDataVersionIntervalMs: 25,
  })
  recorder.metric('p50', 'p50 publish→receive', 'ms', 'lower')
  recorder.metric('p99', 'p99 publish→receive', 'ms', 'lower')
  recorder.metric('p999', 'p99.9 publish→receive', 'ms', 'lower')
  recorder.metric('commitP50', 'p50 scheduled → publish resolved in A (committed)', 'ms', 'lower')
  recorder.metric('commitP99', 'p99 scheduled → publish resolved in A (committed)', 'ms', 'lower')
  recorder.metric('lost', 'events not received', '', 'lower')
  if (!url && table.id === 'xproc') recorder.notes.push('Postgres variants skipped: no server')
  ctx.log(`${table.id}: ${variants.join(', ')}`)
  const fleet = await Fleet.start(1)
  const rigs = new Map<string, Rig>()
  const schemas: string[] = []
  const databases: string[] = []
  let nats: NatsServer | undefined
  const pgStore = async (notify: boolean): Promise<Extract<StoreConfig, { kind: 'postgres' }>> => {
    const schema = await createSchema(notify ? 'xproc_notify' : 'xproc_poll', url)
    schemas.push(schema)
    return { kind: 'postgres', connectionString: url as string, schema, notify }
  }
  try {
    const rig = async (variant: string): Promise<Rig> => {
      if (variant === 'ours-pg-notify') return oursRig(variant, await pgStore(true), fleet, undefined)
      if (variant === 'ours-pg-poll') return oursRig(variant, await pgStore(false), fleet, pollIntervalMs)
      if (variant === 'ours-pg-bus') {
        nats = await startNatsServer()
        return oursRig(variant, { ...(await pgStore(false)), bus: nats.url }, fleet, undefined)
      }
      if (variant === 'ours-sqlite')
        return oursRig(variant, { kind: 'sqlite', filename: join(ctx.tmpDir, `${table.id}.db`) }, fleet, undefined)
      if (variant === 'ours-mysql') {
        const uri = await createDatabase('xproc', ctx.mysqlUrl)
        databases.push(uri)
        return oursRig(variant, { kind: 'mysql', uri }, fleet, undefined)
      }
      if (variant === 'raw-notify') return rawRig(variant, url as string, undefined)
      const schema = await createSchema('xproc_raw', url)
      schemas.push(schema)
      return rawRig(variant, url as string, `"${schema}".raw_events`)
    }
    const started = await Promise.allSettled(variants.map(async (variant) => rigs.set(variant, await rig(variant))))
    for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason
    const publish = (topic: string): XprocPublish => ({ rate, count, topic, payloadBytes: 128, maxMs: seconds * 1000 + 5_000 })
    for (const [variant, rig] of rigs) await rig.measure({ ...publish(variant), count: Math.min(100, count) }) // warm-up
    for (let rep = 0; rep < ctx.reps; rep++) {
      const line: string[] = []
      for (const variant of rotate(variants, rep)) {
        try {
          const { latency, committed, received } = await (rigs.get(variant) as Rig).measure(publish(variant))
          recorder.add(variant, 'commitP50', committed.p50)
          recorder.add(variant, 'commitP99', committed.p99)
          recorder.add(variant, 'p50', latency.p50)
          recorder.add(variant, 'p99', latency.p99)
          recorder.add(variant, 'p999', latency.p999)
          recorder.add(variant, 'lost', count - received)
          line.push(
            `${variant} p50 ${latency.p50} p99 ${latency.p99} (commit p50 ${committed.p50})${received < count ? ` lost ${count - received}` : ''}`,
          )
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          line.push(`${variant} FAILED`)
        }
      }
      ctx.log(`  ${table.id} rep ${rep + 1}: ${line.join('; ')}`)
    }
  } finally {
    for (const rig of rigs.values()) for (const child of rig.processes) await child.kill()
    await fleet.stop()
    await nats?.stop()
    for (const schema of schemas) await dropSchema(schema, url)
    for (const database of databases) await dropDatabase(database)
  }
  return recorder.result()
}
