/**
 * Issue 21's target 1, a replay storm: browsers reconnecting at once with `Last-Event-ID` (a
 * deploy) across several app processes, each browser resuming the same number of events, on a
 * scratch primary with a streaming replica. Side by side in one run, on the same backlog:
 * - `primary-only`: `postgresStore({ connectionString })`, every read on the primary (today);
 * - `with-replica`: `postgresStore({ connectionString, replica })`: catch-up pages go to the replica.
 * Measures the primary's database CPU during the storm (every backend of the primary: the app
 * processes' connections, WAL sender, background processes), the replica's, the app processes'
 * CPU per event, and the total replay throughput (events delivered to every browser per second,
 * first connection to last event).
 * @module
 */
import { postgresStore } from '../../adapters/postgres/index.js'
import type { Child } from '../lib/child.js'
import type { RunContext } from '../lib/context.js'
import { measureCpu } from '../lib/cpu-window.js'
import { type BackendCpuWindow, BackendSampler, cpuBetween, sumRoles } from '../lib/db-cpu.js'
import { Fleet } from '../lib/fleet.js'
import { payload } from '../lib/payload.js'
import { pgExec } from '../lib/postgres.js'
import { type ReplicaCluster, startReplicaCluster } from '../lib/replica-cluster.js'
import {
  countReplicaReads,
  type ReplicaReadCount,
  readsBetween,
  replicaReadMetrics,
  skippedWithoutScratch,
} from '../lib/replica-reads.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import type { ReplicaStormSize } from '../lib/sizes.js'
import { endServer, startServer } from '../lib/sse-trial.js'
import { formatStatements, resetStatementStats, topStatements } from '../lib/statement-stats.js'
import { rotate } from '../lib/stats.js'

const VARIANTS = ['primary-only', 'with-replica'] as const
type Variant = (typeof VARIANTS)[number]

/** The backlog's schema on the scratch primary, shared by both variants (the storm only reads). */
const SCHEMA = 'bench_replica_storm'
/** Events before each topic's resume point, so browsers resume from the middle of a topic. */
const BEFORE = 50
/** Payload size of every event, bytes (as the SQLite replay scenario). */
const PAYLOAD_BYTES = 128
/** Topics appended at once while the backlog is built. */
const APPENDING = 4

/** One variant's app processes. */
interface Rig {
  apps: Child[]
  ports: number[]
}

/** What one storm measured. */
interface StormOutcome {
  frames: number
  complete: boolean
  perSec: number
  seconds: number
  primary: BackendCpuWindow
  replica: BackendCpuWindow
  appUs: number
  reads: ReplicaReadCount
}

/** Topic `k` of the backlog. */
const topicName = (k: number): string => `s${k}`

/**
 * Writes `topics` topics of `each + BEFORE` events through the store (its own append, so the rows
 * are exactly what publishes make), freezes and checkpoints them (no autovacuum or checkpoint
 * work inside a measured window), waits for the replica, and returns the id to resume after.
 */
async function buildBacklog(cluster: ReplicaCluster, topics: number, each: number): Promise<string> {
  const store = postgresStore({ connectionString: cluster.primary.url(), schema: SCHEMA, notify: false, onError: () => {} })
  try {
    await store.migrate()
    const data = JSON.stringify(payload(0, PAYLOAD_BYTES))
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < topics) {
        const topic = topicName(next++)
        await store.append(Array.from({ length: each + BEFORE }, () => ({ topic, type: 'tick', data })))
      }
    }
    await Promise.all(Array.from({ length: APPENDING }, lane))
    const head = (await store.heads([topicName(0)])).get(topicName(0))
    if (head === undefined) throw new Error('the backlog has no head')
    const dot = head.lastIndexOf('.')
    const resumeAt = Number(head.slice(dot + 1)) - each
    await pgExec('VACUUM (FREEZE, ANALYZE)', cluster.primary.url())
    await pgExec('CHECKPOINT', cluster.primary.url())
    await cluster.replayed()
    return `${head.slice(0, dot)}.${resumeAt}`
  } finally {
    await store.close()
  }
}

/** Starts a variant's app processes (SSE servers over the backlog's store). */
async function startRig(variant: Variant, cluster: ReplicaCluster, apps: number): Promise<Rig> {
  const rig: Rig = { apps: [], ports: [] }
  for (let i = 0; i < apps; i++) {
    const { server, port } = await startServer(`replica-storm:${variant}:${i}`, {
      kind: 'ours',
      store: {
        kind: 'postgres',
        connectionString: cluster.primary.url(),
        schema: SCHEMA,
        notify: true,
        ...(variant === 'with-replica' && { replica: cluster.replica.url() }),
      },
    })
    rig.apps.push(server)
    rig.ports.push(port)
  }
  return rig
}

/** Connects `perTopic` browsers per topic of the first `topics` to every app process at once, all resuming after `resumeId`; ends disconnected. */
async function storm(
  size: ReplicaStormSize,
  topics: number,
  perTopic: number,
  resumeId: string,
  rig: Rig,
  fleet: Fleet,
  samplers: { primary: BackendSampler; replica: BackendSampler },
): Promise<StormOutcome> {
  const groups = Array.from({ length: topics }, (_, k) => ({ topic: topicName(k), count: perTopic }))
  const expect = Object.fromEntries(groups.map(({ topic }) => [topic, size.each]))
  const expected = topics * perTopic * rig.ports.length * size.each
  await fleet.reset()
  const readsBefore = await countReplicaReads(rig.apps)
  try {
    const window = await measureCpu(rig.apps, samplers.primary, async () => {
      const replicaBefore = await samplers.replica.sample()
      const connections = { timeoutMs: 300_000, lastEventId: resumeId, latency: false, concurrency: 100 }
      const connected = await Promise.all(rig.ports.map((port) => fleet.connect({ port, groups, ...connections })))
      const failed = connected.reduce((sum, report) => sum + report.failed, 0)
      if (failed > 0) throw new Error(`${failed} browsers could not connect`)
      const report = await fleet.waitFrames(expect, Math.max(60_000, expected / 10))
      return { report, replica: cpuBetween(replicaBefore, await samplers.replica.sample()) }
    })
    const { report, replica } = window.result
    const seconds = (report.lastUs - report.connectUs) / 1e6
    return {
      frames: report.frames,
      complete: report.complete === true && report.frames >= expected,
      perSec: report.frames / seconds,
      seconds,
      primary: window.database as BackendCpuWindow,
      replica,
      appUs: window.processUs.reduce((sum, us) => sum + us, 0),
      reads: readsBetween(readsBefore, await countReplicaReads(rig.apps)),
    }
  } finally {
    await fleet.disconnect()
  }
}

/** The three roles that used the most CPU in `window`, for the log. */
function topRoles(window: BackendCpuWindow): string {
  return [...window.byRole]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([role, ns]) => `${role} ${Math.round(ns / 1e6)} ms`)
    .join(', ')
}

/** Runs the replica-storm scenario (needs the PostgreSQL 15 server binaries for the scratch cluster). */
export async function replicaStormScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('replica-storm')) return []
  const size = ctx.sizes.replicaStorm
  const { browsers, each, topics, apps, loadgens } = size
  const perTopic = browsers / topics / apps
  if (!Number.isInteger(perTopic))
    throw new Error(`replica-storm: ${browsers} browsers do not spread evenly over ${topics} topics × ${apps} app processes`)
  const recorder = new ScenarioRecorder(
    'replica-storm',
    `Replay storm: ${browsers.toLocaleString('en')} browsers resuming ${each.toLocaleString('en')} events each across ${apps} app processes, without and with a streaming replica`,
    [...VARIANTS],
    [{ label: 'with replica / primary only', a: 'with-replica', b: 'primary-only' }],
    {
      browsers,
      each,
      topics,
      browsersPerTopic: browsers / topics,
      apps,
      loadgens,
      payloadBytes: PAYLOAD_BYTES,
      server:
        'scratch PostgreSQL 15 primary + hot standby (stock settings, fsync on, asynchronous streaming, pg_stat_statements loaded)',
    },
  )
  recorder.metric('perSec', 'replay throughput, events delivered per second', '/s', 'higher')
  recorder.metric('seconds', 'storm duration, s (first connection → last event)', '', 'lower')
  recorder.metric('primaryCpuMs', "primary's database CPU during the storm (every backend)", 'ms', 'lower')
  recorder.metric('replicaCpuMs', "replica's database CPU during the storm (every backend)", 'ms', 'lower')
  recorder.metric('appUsPerEvent', 'app processes CPU per delivered event (all together)', 'µs', 'lower')
  recorder.metric('lost', 'events not delivered', '', 'lower')
  replicaReadMetrics(recorder, 'reads the replica answered')
  if (skippedWithoutScratch(recorder, ctx, 'replica-storm')) return [recorder.result()]
  ctx.log(`replica-storm: ${browsers} browsers × ${each} events over ${topics} topics, ${apps} app processes`)
  const cluster = await startReplicaCluster({ statementStats: true })
  const rigs = new Map<Variant, Rig>()
  let fleet: Fleet | undefined
  let samplers: { primary: BackendSampler; replica: BackendSampler } | undefined
  try {
    const resumeId = await buildBacklog(cluster, topics, each)
    ctx.log(
      `  backlog of ${(topics * (each + BEFORE)).toLocaleString('en')} events written and replayed; resuming after ${resumeId}`,
    )
    fleet = await Fleet.start(loadgens)
    samplers = {
      primary: await BackendSampler.openAll(cluster.primary.url()),
      replica: await BackendSampler.openAll(cluster.replica.url()),
    }
    for (const variant of VARIANTS) {
      const rig = await startRig(variant, cluster, apps)
      rigs.set(variant, rig)
      // Warm-up: one browser per topic and process, enough to open every pool's connections.
      await storm(size, topics, 1, resumeId, rig, fleet, samplers)
    }
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of rotate(VARIANTS, rep)) {
        try {
          await resetStatementStats(cluster.primary.url())
          await resetStatementStats(cluster.replica.url())
          const outcome = await storm(size, topics, perTopic, resumeId, rigs.get(variant) as Rig, fleet, samplers)
          const primaryNs = sumRoles(outcome.primary, () => true)
          const replicaNs = sumRoles(outcome.replica, () => true)
          recorder.add(variant, 'perSec', outcome.perSec)
          recorder.add(variant, 'seconds', outcome.seconds)
          recorder.add(variant, 'primaryCpuMs', primaryNs / 1e6)
          recorder.add(variant, 'replicaCpuMs', replicaNs / 1e6)
          recorder.add(variant, 'appUsPerEvent', outcome.appUs / Math.max(1, outcome.frames))
          recorder.add(variant, 'lost', browsers * each - Math.min(outcome.frames, browsers * each))
          recorder.add(variant, 'replicaReads', outcome.reads.reads)
          recorder.add(variant, 'fallbacks', outcome.reads.fallbacks)
          if (!outcome.complete) recorder.notes.push(`${variant} rep ${rep + 1}: not every browser got every event in time`)
          for (const [server, window] of [
            ['primary', outcome.primary],
            ['replica', outcome.replica],
          ] as const)
            if (window.exited > 0)
              recorder.notes.push(
                `${variant} rep ${rep + 1}: ${window.exited} backends of the ${server} exited inside the window`,
              )
          ctx.log(
            `  replica-storm rep ${rep + 1} ${variant}: ${Math.round(outcome.perSec)} events/s in ${outcome.seconds.toFixed(1)} s, primary ${Math.round(primaryNs / 1e6)} ms CPU (${topRoles(outcome.primary)}), replica ${Math.round(replicaNs / 1e6)} ms (${topRoles(outcome.replica)}), apps ${(outcome.appUs / Math.max(1, outcome.frames)).toFixed(1)} µs/event, replica reads ${outcome.reads.reads} (to the primary ${outcome.reads.fallbacks})`,
          )
          ctx.log(`    primary's statements: ${formatStatements(await topStatements(cluster.primary.url()))}`)
          ctx.log(`    replica's statements: ${formatStatements(await topStatements(cluster.replica.url()))}`)
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  replica-storm rep ${rep + 1} ${variant}: FAILED ${(error as Error).stack ?? error}`)
        }
      }
    }
  } finally {
    for (const rig of rigs.values()) for (const app of rig.apps) await endServer(app, false)
    await fleet?.stop()
    await samplers?.primary.close()
    await samplers?.replica.close()
    await cluster.close()
  }
  return [recorder.result()]
}
