/**
 * The many-topics scenario (issue 11): one app process tails 100, 20,000 or 100,000 topics with one
 * subscriber each (in-process `broker.subscribe()`, or SSE connections from two load generators)
 * while another process publishes to random topics at 200 and 2,000 events/s, on Postgres with
 * NOTIFY, Postgres with `notify: false`, SQLite (one file, both processes) and MySQL / MariaDB (up
 * to 20,000 topics). Per cell: p50/p99
 * publish → receive, the app process's CPU per event, the database's (the Postgres backends
 * serving the run, `lib/db-cpu.ts`; SQLite runs inside the two processes) and the publisher's.
 * With `--baseline`, that commit's `src/` runs beside ours as `ours-exp-baseline`. One app process
 * per topic count and variant serves all its repetitions (opening 100,000 subscriptions takes a
 * while); the cells of a table run one after another. `--profile` adds a CPU profile of the app
 * process over one more cell at the largest topic count.
 * @module
 */
import { join } from 'node:path'
import { type Child, startChild } from '../lib/child.js'
import { collectProfile, profileDir, type RunContext, variantsOf } from '../lib/context.js'
import { measureCpu } from '../lib/cpu-window.js'
import { BackendSampler, sumRoles } from '../lib/db-cpu.js'
import { Fleet } from '../lib/fleet.js'
import { type LatencySummary, mergeEncoded, summarize } from '../lib/histogram.js'
import { createDatabase, dropDatabase } from '../lib/mysql.js'
import { createSchema, dropSchema } from '../lib/postgres.js'
import { type Comparison, ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import type { ManyTopicsSize } from '../lib/sizes.js'
import { startServer } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import type { StoreConfig } from '../lib/stores.js'
import { atTopics, shortCount } from '../lib/variants.js'
import type { TopicsAppReport, TopicsAppStart } from '../procs/topics-app.js'
import type { XprocPublish, XprocPublished } from '../procs/xproc-publisher.js'

/** Payload size of every event, bytes. */
const PAYLOAD_BYTES = 128

/** One table: a store, and whether the subscribers are in-process or SSE connections. */
interface Table {
  id: string
  title: string
  store: 'postgres' | 'postgres-poll' | 'sqlite' | 'mysql'
  sse: boolean
  /** Topic counts of this table when not the mode's (MySQL: up to issue 22's 20,000). */
  topics?: (sizes: ManyTopicsSize) => number[]
}

const TABLES: Table[] = [
  { id: 'many-topics-pg', title: 'Many topics: Postgres with NOTIFY, in-process subscribers', store: 'postgres', sse: false },
  {
    id: 'many-topics-pg-poll',
    title: 'Many topics: Postgres with `notify: false`, in-process subscribers',
    store: 'postgres-poll',
    sse: false,
  },
  {
    id: 'many-topics-sqlite',
    title: 'Many topics: SQLite (one file, both processes), in-process subscribers',
    store: 'sqlite',
    sse: false,
  },
  {
    id: 'many-topics-mysql',
    title: 'Many topics: MySQL / MariaDB (the change cursor every 25 ms), in-process subscribers',
    store: 'mysql',
    sse: false,
    topics: (sizes) => sizes.topics.filter((n) => n <= 20_000),
  },
  {
    id: 'many-topics-sse',
    title: 'Many topics over SSE: Postgres with NOTIFY, one connection per topic from two load generators',
    store: 'postgres',
    sse: true,
  },
]

/** The app side of a cell: the process whose CPU is the subscriber's, and how it reports what arrived. */
interface Receiver {
  app: Child
  reset(): Promise<void>
  wait(published: XprocPublished, timeoutMs: number): Promise<{ received: number; latency: LatencySummary }>
  stop(): Promise<void>
}

/** An app process with one in-process subscriber on each of `<prefix>0` .. `<prefix><topics - 1>`. */
async function inProcessReceiver(name: string, start: TopicsAppStart, prefix: string, topics: number): Promise<Receiver> {
  const app = await startChild(name, 'procs/topics-app.ts', start, { nodeFlags: ['--max-old-space-size=4096'] })
  try {
    const opened = await app.request<{ topics: number }>('subscribe', { prefix, count: topics }, 900_000)
    if (opened.topics < topics) throw new Error(`${name}: ${opened.topics}/${topics} topics tailed`)
  } catch (error) {
    await app.kill()
    throw error
  }
  return {
    app,
    reset: () => app.request('reset'),
    async wait(published, timeoutMs) {
      const count = Object.values(published.perTopic).reduce((sum, n) => sum + n, 0)
      const report = await app.request<TopicsAppReport>('wait', { count, timeoutMs }, timeoutMs + 30_000)
      return { received: report.received, latency: summarize(mergeEncoded([report.histogram])) }
    },
    stop: () => app.kill(),
  }
}

/** An SSE server process with one connection from the fleet on each of the topics. */
async function sseReceiver(name: string, start: TopicsAppStart, prefix: string, topics: number, fleet: Fleet): Promise<Receiver> {
  const { server, port } = await startServer(name, {
    kind: 'ours',
    store: start.store,
    pollIntervalMs: start.pollIntervalMs,
    experimental: start.experimental,
  })
  try {
    const groups = Array.from({ length: topics }, (_, k) => ({ topic: `${prefix}${k}`, count: 1 }))
    const connected = await fleet.connect({ port, groups, timeoutMs: 600_000 })
    const { subscribers } = await server.request<{ subscribers: number }>('waitSubscribers', {
      count: topics,
      timeoutMs: 60_000,
    })
    if (subscribers < topics || connected.failed > 0)
      throw new Error(`${name}: ${subscribers}/${topics} subscribers registered, ${connected.failed} connections failed`)
  } catch (error) {
    await server.kill()
    await fleet.disconnect()
    throw error
  }
  return {
    app: server,
    reset: () => fleet.reset(),
    async wait(published, timeoutMs) {
      const report = await fleet.waitFrames(published.perTopic, timeoutMs)
      return { received: report.frames, latency: summarize(report.histogram) }
    },
    async stop() {
      await server.kill()
      await fleet.disconnect()
    },
  }
}

/** What one cell measured (CPU figures in µs per published event). */
interface CellOutcome {
  events: number
  received: number
  latency: LatencySummary
  appCpuUs: number
  publisherCpuUs: number
  /** Backends of the app process (its pool and its LISTEN connection). */
  dbReadsUs: number | undefined
  /** Every backend of the run, the publisher's too. */
  dbAllUs: number | undefined
  /** Per role, µs per event (for the log). */
  dbRolesUs: string
  exitedBackends: number
}

/** Publishes `rate × seconds` events to random topics of `prefix` and measures until they arrived. */
async function measureCell(
  receiver: Receiver,
  publisher: Child,
  sampler: BackendSampler | undefined,
  phase: { rate: number; seconds: number },
  prefix: string,
  topics: number,
): Promise<CellOutcome> {
  const count = Math.max(1, Math.round(phase.rate * phase.seconds))
  const publish: XprocPublish = {
    rate: phase.rate,
    count,
    topic: prefix,
    topicCount: topics,
    payloadBytes: PAYLOAD_BYTES,
    maxMs: phase.seconds * 1000 + 10_000,
  }
  await receiver.reset()
  const window = await measureCpu([receiver.app, publisher], sampler, async () => {
    const published = await publisher.request<XprocPublished>('publish', publish, publish.maxMs + 60_000)
    return { published, ...(await receiver.wait(published, 60_000 + phase.seconds * 5_000)) }
  })
  const { published, received, latency } = window.result
  const events = Math.max(1, count - published.errors)
  const [appUs, publisherUs] = window.processUs as [number, number]
  const db = window.database
  return {
    events,
    received,
    latency,
    appCpuUs: appUs / events,
    publisherCpuUs: publisherUs / events,
    dbReadsUs: db && sumRoles(db, (role) => role.startsWith('app')) / 1000 / events,
    dbAllUs: db && sumRoles(db, () => true) / 1000 / events,
    exitedBackends: db?.exited ?? 0,
    dbRolesUs: db ? [...db.byRole].map(([role, ns]) => `${role} ${Math.round(ns / 1000 / events)}`).join(', ') : '',
  }
}

function declareMetrics(recorder: ScenarioRecorder, sizes: ManyTopicsSize, postgres: boolean, sse: boolean): void {
  const app = sse ? 'SSE server process' : 'subscriber process'
  for (const { rate } of sizes.rates) {
    const at = `(${rate.toLocaleString('en')} events/s)`
    recorder.metric(`r${rate}.p50`, `p50 publish→receive ${at}`, 'ms', 'lower')
    recorder.metric(`r${rate}.p99`, `p99 publish→receive ${at}`, 'ms', 'lower')
    recorder.metric(`r${rate}.appCpuUs`, `${app} CPU per event ${at}`, 'µs', 'lower')
    if (postgres) {
      recorder.metric(`r${rate}.dbReadsUs`, `database CPU per event, the app's backends ${at}`, 'µs', 'lower')
      recorder.metric(
        `r${rate}.dbAllUs`,
        `database CPU per event, every backend (with the publisher's inserts) ${at}`,
        'µs',
        'lower',
      )
    }
    recorder.metric(`r${rate}.publisherCpuUs`, `publisher process CPU per event ${at}`, 'µs', 'lower')
    recorder.metric(`r${rate}.lost`, `events not received ${at}`, '', 'lower')
  }
}

function record(recorder: ScenarioRecorder, column: string, rate: number, outcome: CellOutcome): void {
  const key = (metric: string): string => `r${rate}.${metric}`
  recorder.add(column, key('p50'), outcome.latency.p50)
  recorder.add(column, key('p99'), outcome.latency.p99)
  recorder.add(column, key('appCpuUs'), outcome.appCpuUs)
  if (outcome.dbReadsUs !== undefined) recorder.add(column, key('dbReadsUs'), outcome.dbReadsUs)
  if (outcome.dbAllUs !== undefined) recorder.add(column, key('dbAllUs'), outcome.dbAllUs)
  recorder.add(column, key('publisherCpuUs'), outcome.publisherCpuUs)
  recorder.add(column, key('lost'), outcome.events - outcome.received)
  if (outcome.received < outcome.events)
    recorder.notes.push(`${column} at ${rate} events/s: ${outcome.events - outcome.received} events not received in time`)
  if (outcome.exitedBackends > 0)
    recorder.notes.push(`${column} at ${rate} events/s: ${outcome.exitedBackends} backends exited inside a window`)
}

/** Ratio columns: every topic count over the first, per variant, and ours over the baseline at the largest. */
function comparisonsOf(variants: readonly string[], topics: readonly number[]): Comparison[] {
  const base = topics[0] as number
  const largest = topics[topics.length - 1] as number
  const comparisons: Comparison[] = []
  for (const variant of variants) {
    const before = variant === 'ours' ? '' : 'before: '
    for (const n of topics.slice(1))
      comparisons.push({
        label: `${before}${shortCount(n)} / ${shortCount(base)}`,
        a: atTopics(variant, n),
        b: atTopics(variant, base),
      })
  }
  if (variants.includes('ours-exp-baseline'))
    comparisons.push({
      label: `ours / before at ${shortCount(largest)}`,
      a: atTopics('ours', largest),
      b: atTopics('ours-exp-baseline', largest),
    })
  return comparisons
}

/**
 * With `--profile`: a CPU profile of the app process over one more cell at the first rate, twice
 * as long (a window: opening the subscriptions would dominate a whole-process profile).
 */
async function profileCell(
  ctx: RunContext,
  column: string,
  app: Child,
  measure: (phase: ManyTopicsSize['rates'][number]) => Promise<unknown>,
): Promise<void> {
  const phase = ctx.sizes.manyTopics.rates[0] as ManyTopicsSize['rates'][number]
  const name = `${column}-r${phase.rate}`
  const path = join(profileDir(name), 'window.cpuprofile')
  await app.request('profileStart')
  await measure({ rate: phase.rate, seconds: phase.seconds * 2 })
  await app.request('profileStop', { path }, 60_000)
  collectProfile(ctx, name)
}

/** Runs one table: for each topic count and variant, one app process, the repetitions and the rates. */
async function runTable(ctx: RunContext, table: Table, run: string): Promise<ScenarioResult> {
  const sizes = ctx.sizes.manyTopics
  const topics = table.topics?.(sizes) ?? (table.sse ? sizes.sseTopics : sizes.topics)
  const variants = variantsOf(ctx, ['ours'])
  const postgres = table.store.startsWith('postgres')
  const recorder = new ScenarioRecorder(
    table.id,
    table.title,
    variants.flatMap((variant) => topics.map((n) => atTopics(variant, n))),
    comparisonsOf(variants, topics),
    {
      topics: topics.map((n) => n.toLocaleString('en')).join(' / '),
      topicCounts: topics,
      rates: sizes.rates.map(({ rate, seconds }) => `${rate.toLocaleString('en')} events/s for ${seconds} s`).join(', '),
      pollIntervalMs: sizes.pollIntervalMs,
      payloadBytes: PAYLOAD_BYTES,
      ...(table.sse && { loadgens: sizes.loadgens }),
      ...(ctx.baseline && { baselineCommit: ctx.baseline }),
    },
  )
  declareMetrics(recorder, sizes, postgres, table.sse)
  if (table.store === 'sqlite')
    recorder.notes.push(
      "SQLite runs inside the processes: its reads are part of the subscriber process's CPU, its writes of the publisher's",
    )
  if (table.store === 'mysql') recorder.notes.push("the database server's CPU is not measured for MySQL")
  const url = ctx.postgresUrl as string
  const schema = postgres ? await createSchema(table.id.replaceAll('-', '_'), url) : undefined
  const mysqlUri = table.store === 'mysql' ? await createDatabase(table.id, ctx.mysqlUrl) : undefined
  const storeOf = (role: string): StoreConfig =>
    mysqlUri
      ? { kind: 'mysql', uri: mysqlUri, poolMax: 4 }
      : schema
        ? {
            kind: 'postgres',
            connectionString: url,
            schema,
            notify: table.store === 'postgres',
            applicationName: `${run}.${role}`,
            poolMax: 4,
          }
        : { kind: 'sqlite', filename: join(ctx.tmpDir, `${table.id}.db`) }
  const children: Child[] = []
  let sampler: BackendSampler | undefined
  let fleet: Fleet | undefined
  try {
    const publisher = await startChild(`${table.id}:publisher`, 'procs/xproc-publisher.ts', {
      kind: 'ours',
      store: storeOf('pub'),
    })
    children.push(publisher)
    sampler = postgres ? await BackendSampler.open(run, url) : undefined
    fleet = table.sse ? await Fleet.start(sizes.loadgens) : undefined
    for (const n of topics) {
      for (const variant of variants) {
        const column = atTopics(variant, n)
        const prefix = `${column.replace('ours-exp-', '').replace('@', '-')}-`
        const start: TopicsAppStart = {
          store: storeOf('app'),
          experimental: variant === 'ours' ? undefined : variant.slice('ours-exp-'.length),
          pollIntervalMs: sizes.pollIntervalMs,
        }
        const opening = Date.now()
        let receiver: Receiver | undefined
        try {
          receiver = fleet
            ? await sseReceiver(`${table.id}:${column}`, start, prefix, n, fleet)
            : await inProcessReceiver(`${table.id}:${column}`, start, prefix, n)
          ctx.log(`  ${table.id} ${column}: ${n.toLocaleString('en')} topics open in ${Date.now() - opening} ms`)
          await measureCell(receiver, publisher, sampler, { rate: 200, seconds: 0.25 }, prefix, n) // warm-up
          for (let rep = 0; rep < ctx.reps; rep++) {
            for (const phase of rotate(sizes.rates, rep)) {
              const outcome = await measureCell(receiver, publisher, sampler, phase, prefix, n)
              record(recorder, column, phase.rate, outcome)
              const db = outcome.dbAllUs === undefined ? '' : `; db µs/event: ${outcome.dbRolesUs}`
              ctx.log(
                `  ${table.id} rep ${rep + 1} ${column} ${phase.rate}/s: p50 ${outcome.latency.p50} p99 ${outcome.latency.p99} ms, app ${Math.round(outcome.appCpuUs)} µs/event${db}${outcome.received < outcome.events ? `, lost ${outcome.events - outcome.received}` : ''}`,
              )
            }
          }
          if (ctx.args.profile && variant === 'ours' && n === topics[topics.length - 1]) {
            const app = receiver
            await profileCell(ctx, `${table.id}-${shortCount(n)}`, app.app, (phase) =>
              measureCell(app, publisher, sampler, phase, prefix, n),
            )
          }
        } catch (error) {
          recorder.notes.push(`${column} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  ${table.id} ${column}: FAILED ${(error as Error).stack ?? error}`)
        } finally {
          await receiver?.stop()
        }
      }
    }
  } finally {
    for (const child of children) await child.kill()
    await fleet?.stop()
    await sampler?.close()
    if (schema) await dropSchema(schema, url)
    if (mysqlUri) await dropDatabase(mysqlUri)
  }
  return recorder.result()
}

/** Runs the many-topics tables (the Postgres and MySQL ones only when their server answers). */
export async function manyTopicsScenarios(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = []
  const run = `bmt${process.pid}`
  for (const table of TABLES) {
    if (!selected(table.id)) continue
    const server = table.store === 'mysql' ? ctx.mysqlUrl : table.store === 'sqlite' ? 'local' : ctx.postgresUrl
    if (server === undefined) {
      ctx.log(`${table.id}: skipped (no ${table.store === 'mysql' ? 'MySQL' : 'Postgres'})`)
      continue
    }
    const sizes = ctx.sizes.manyTopics
    ctx.log(`${table.id}: ${(table.topics?.(sizes) ?? (table.sse ? sizes.sseTopics : sizes.topics)).join(' / ')} topics`)
    results.push(await runTable(ctx, table, run))
  }
  return results
}
