/**
 * The processes scenario (issue 11): 1, 2, 4 and 8 app processes on one Postgres (NOTIFY on), each
 * a broker serving SSE over node:http with one subscriber per topic (so every process tails every
 * topic, as when a load balancer spreads a topic's users), fed by the load generators; another
 * process publishes to random topics. Measures what each added process costs the database: the
 * CPU of the app processes' backends (pool and LISTEN connection) per event and per process, which
 * stays flat while one Postgres carries the app, and p99 publish → receive by process count.
 * @module
 */

import { type Child, startChild } from '../lib/child.js'
import type { RunContext } from '../lib/context.js'
import { measureCpu } from '../lib/cpu-window.js'
import { BackendSampler, sumRoles } from '../lib/db-cpu.js'
import { Fleet } from '../lib/fleet.js'
import { summarize } from '../lib/histogram.js'
import { startNatsServer } from '../lib/nats-server.js'
import { createSchema, dropSchema } from '../lib/postgres.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { endServer, startServer } from '../lib/sse-trial.js'
import { rotate } from '../lib/stats.js'
import type { StoreConfig } from '../lib/stores.js'
import { processesColumn } from '../lib/variants.js'
import type { XprocPublish, XprocPublished } from '../procs/xproc-publisher.js'

/** Payload size of every event, bytes. */
const PAYLOAD_BYTES = 128
/** Topic prefix: topics `pt0` .. `pt<subscribers - 1>`. */
const PREFIX = 'pt'

/** Starts `count` app processes, connects one subscriber per topic to each, and measures one publishing phase. */
async function measure(
  ctx: RunContext,
  count: number,
  storeOf: (role: string) => StoreConfig,
  publisher: Child,
  fleet: Fleet,
  sampler: BackendSampler,
): Promise<{
  events: number
  received: number
  p50: number
  p99: number
  appCpuUs: number
  dbPerAppUs: number
  dbAllUs: number
  exited: number
}> {
  const { subscribers, rate, seconds } = ctx.sizes.processes
  const servers: Child[] = []
  try {
    for (let i = 0; i < count; i++) {
      const { server, port } = await startServer(`processes:${count}:${i}`, { kind: 'ours', store: storeOf(`app${i}`) })
      servers.push(server)
      const groups = Array.from({ length: subscribers }, (_, k) => ({ topic: `${PREFIX}${k}`, count: 1 }))
      const connected = await fleet.connect({ port, groups, timeoutMs: 120_000 })
      const { subscribers: open } = await server.request<{ subscribers: number }>('waitSubscribers', {
        count: subscribers,
        timeoutMs: 30_000,
      })
      if (open < subscribers || connected.failed > 0)
        throw new Error(`app ${i}: ${open}/${subscribers} subscribers, ${connected.failed} connections failed`)
    }
    const phase = (events: number): XprocPublish => ({
      rate,
      count: events,
      topic: PREFIX,
      topicCount: subscribers,
      payloadBytes: PAYLOAD_BYTES,
      maxMs: (events / rate) * 1000 + 10_000,
    })
    const run = async (publish: XprocPublish) => {
      await fleet.reset()
      const published = await publisher.request<XprocPublished>('publish', publish, publish.maxMs + 60_000)
      // Frames per connection; every process has a connection on every topic.
      const report = await fleet.waitFrames(published.perTopic, 60_000 + seconds * 5_000)
      return { published, report }
    }
    await run(phase(Math.min(100, rate))) // warm-up
    const events = Math.max(1, Math.round(rate * seconds))
    const window = await measureCpu([...servers], sampler, () => run(phase(events)))
    const { published, report } = window.result
    const committed = Math.max(1, events - published.errors)
    const db = window.database
    const appBackendsNs = db ? sumRoles(db, (role) => role.startsWith('app')) : Number.NaN
    const latency = summarize(report.histogram)
    return {
      events: committed,
      received: report.frames / count,
      p50: latency.p50,
      p99: latency.p99,
      appCpuUs: window.processUs.reduce((sum, us) => sum + us, 0) / committed / count,
      dbPerAppUs: appBackendsNs / 1000 / committed / count,
      dbAllUs: db ? sumRoles(db, () => true) / 1000 / committed : Number.NaN,
      exited: db?.exited ?? 0,
    }
  } finally {
    for (const server of servers) await endServer(server, false)
    await fleet.disconnect()
  }
}

/** Runs the processes scenario (needs Postgres): with NOTIFY (`processes`), and with a NATS bus carrying the events and `notify: false` (`processes-bus`, issue 20). */
export async function processesScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  const url = ctx.postgresUrl
  const ids = ['processes', 'processes-bus'].filter(selected)
  if (ids.length > 0 && !url) {
    ctx.log('processes: skipped (no Postgres)')
    return []
  }
  const results: ScenarioResult[] = []
  for (const id of ids) results.push(await processesRun(ctx, url as string, id === 'processes-bus'))
  return results
}

/** One processes scenario: NOTIFY, or (`bus`) a NATS bus with `notify: false`. */
async function processesRun(ctx: RunContext, url: string, bus: boolean): Promise<ScenarioResult> {
  const { counts, subscribers, loadgens, rate, seconds } = ctx.sizes.processes
  const id = bus ? 'processes-bus' : 'processes'
  const columns = counts.map(processesColumn)
  const first = columns[0] as string
  const recorder = new ScenarioRecorder(
    id,
    `App processes on one Postgres${bus ? ' with a NATS bus carrying the events (notify: false)' : ''}: ${subscribers.toLocaleString('en')} SSE subscribers each, ${rate} events/s from another process`,
    columns,
    columns.slice(1).map((column) => ({ label: `${column.split(' ')[0]} / ${first.split(' ')[0]}`, a: column, b: first })),
    {
      counts,
      subscribers,
      topics: subscribers,
      rate,
      seconds,
      loadgens,
      payloadBytes: PAYLOAD_BYTES,
      notify: bus ? 'off, NATS bus' : 'on',
    },
  )
  recorder.metric('p50', 'p50 publish→receive', 'ms', 'lower')
  recorder.metric('p99', 'p99 publish→receive', 'ms', 'lower')
  recorder.metric('dbPerAppUs', "database CPU per event per app process (the app processes' backends)", 'µs', 'lower')
  recorder.metric('dbAllUs', "database CPU per event, every backend (with the publisher's inserts)", 'µs', 'lower')
  recorder.metric('appCpuUs', 'app process CPU per event per process', 'µs', 'lower')
  recorder.metric('lost', 'events not received (per process)', '', 'lower')
  const run = `bpr${process.pid}${bus ? 'b' : ''}`
  const schema = await createSchema(id.replace('-', '_'), url)
  const nats = bus ? await startNatsServer() : undefined
  const storeOf = (role: string): StoreConfig => ({
    kind: 'postgres',
    connectionString: url,
    schema,
    notify: !bus,
    bus: nats?.url,
    applicationName: `${run}.${role}`,
    // 8 processes share the server's 100 connections with the other suites on this machine.
    poolMax: 2,
  })
  ctx.log(`${id}: ${counts.join(', ')} app processes × ${subscribers} subscribers, ${rate} events/s`)
  const publisher = await startChild('processes:publisher', 'procs/xproc-publisher.ts', { kind: 'ours', store: storeOf('pub') })
  const fleet = await Fleet.start(loadgens)
  const sampler = await BackendSampler.open(run, url)
  try {
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const count of rotate(counts, rep)) {
        const column = processesColumn(count)
        try {
          const outcome = await measure(ctx, count, storeOf, publisher, fleet, sampler)
          recorder.add(column, 'p50', outcome.p50)
          recorder.add(column, 'p99', outcome.p99)
          recorder.add(column, 'dbPerAppUs', outcome.dbPerAppUs)
          recorder.add(column, 'dbAllUs', outcome.dbAllUs)
          recorder.add(column, 'appCpuUs', outcome.appCpuUs)
          recorder.add(column, 'lost', outcome.events - outcome.received)
          if (outcome.received < outcome.events) recorder.notes.push(`${column}: not every event reached every process in time`)
          if (outcome.exited > 0) recorder.notes.push(`${column}: ${outcome.exited} backends exited inside a window`)
          ctx.log(
            `  ${id} rep ${rep + 1} ${column}: p50 ${outcome.p50} p99 ${outcome.p99} ms, db ${Math.round(outcome.dbPerAppUs)} µs/event/process (all ${Math.round(outcome.dbAllUs)} µs/event), app ${Math.round(outcome.appCpuUs)} µs/event/process`,
          )
        } catch (error) {
          recorder.notes.push(`${column} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  ${id} rep ${rep + 1} ${column}: FAILED ${(error as Error).stack ?? error}`)
        }
      }
    }
  } finally {
    await publisher.kill()
    await fleet.stop()
    await sampler.close()
    await nats?.stop()
    await dropSchema(schema, url)
  }
  return recorder.result()
}
