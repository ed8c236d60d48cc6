/**
 * Issue 21's target 2: cross-process publish→receive with the reads on a streaming replica against
 * the same without one. On a scratch primary with a hot standby (stock settings, fsync on,
 * asynchronous streaming): process A publishes open-loop, process B serves SSE, a load generator
 * receives (the `xproc` rig). B is woken by NOTIFY (`notify`, then it reads: from the replica,
 * after the read fence, in `notify-replica`) or by a NATS bus carrying the events (`bus`,
 * `notify: false`: B reads only on a gap, a (re)connect or the backstop). Each variant in its own
 * schema; repetitions alternate between them.
 * @module
 */
import type { RunContext } from '../lib/context.js'
import { Fleet } from '../lib/fleet.js'
import { type NatsServer, startNatsServer } from '../lib/nats-server.js'
import { createSchema } from '../lib/postgres.js'
import { type ReplicaCluster, startReplicaCluster } from '../lib/replica-cluster.js'
import { countReplicaReads, readsBetween, replicaReadMetrics, skippedWithoutScratch } from '../lib/replica-reads.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { rotate } from '../lib/stats.js'
import type { StoreConfig } from '../lib/stores.js'
import { type OursRig, oursRig } from '../lib/xproc-rig.js'
import type { XprocPublish } from '../procs/xproc-publisher.js'

const VARIANTS = ['notify', 'notify-replica', 'bus', 'bus-replica'] as const
type Variant = (typeof VARIANTS)[number]

/** The store of `variant` on the cluster, in a fresh schema; the bus variants on `nats`. */
async function storeOf(variant: Variant, cluster: ReplicaCluster, nats: NatsServer | undefined): Promise<StoreConfig> {
  const url = cluster.primary.url()
  const bus = variant.startsWith('bus')
  return {
    kind: 'postgres',
    connectionString: url,
    schema: await createSchema(`replica_xproc_${variant.replace('-', '_')}`, url),
    notify: !bus,
    ...(bus && { bus: nats?.url }),
    ...(variant.endsWith('-replica') && { replica: cluster.replica.url() }),
  }
}

/** Runs the replica-xproc scenario (needs the PostgreSQL 15 server binaries and `nats-server`). */
export async function replicaXprocScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('replica-xproc')) return []
  const { rate, seconds } = ctx.sizes.xproc
  const count = Math.round(rate * seconds)
  const recorder = new ScenarioRecorder(
    'replica-xproc',
    `Cross-process latency with a streaming replica: publish in process A at ${rate.toLocaleString('en')} events/s, receive from process B over SSE`,
    [...VARIANTS],
    [
      { label: 'NOTIFY: replica / primary', a: 'notify-replica', b: 'notify' },
      { label: 'bus: replica / primary', a: 'bus-replica', b: 'bus' },
    ],
    { rate, seconds, server: 'scratch PostgreSQL 15 primary + hot standby (stock settings, fsync on, asynchronous streaming)' },
  )
  recorder.metric('p50', 'p50 publish→receive', 'ms', 'lower')
  recorder.metric('p99', 'p99 publish→receive', 'ms', 'lower')
  recorder.metric('p999', 'p99.9 publish→receive', 'ms', 'lower')
  recorder.metric('commitP50', 'p50 scheduled → publish resolved in A (committed)', 'ms', 'lower')
  recorder.metric('lost', 'events not received', '', 'lower')
  replicaReadMetrics(recorder, "reads B's replica answered")
  if (skippedWithoutScratch(recorder, ctx, 'replica-xproc')) return [recorder.result()]
  ctx.log(`replica-xproc: ${VARIANTS.join(', ')} at ${rate} events/s for ${seconds} s`)
  const cluster = await startReplicaCluster()
  const rigs = new Map<Variant, OursRig>()
  let fleet: Fleet | undefined
  let nats: NatsServer | undefined
  try {
    nats = await startNatsServer()
    fleet = await Fleet.start(1)
    for (const variant of VARIANTS)
      rigs.set(variant, await oursRig(variant, await storeOf(variant, cluster, nats), fleet, undefined))
    const publish = (topic: string, events: number): XprocPublish => ({
      rate,
      count: events,
      topic,
      payloadBytes: 128,
      maxMs: (events / rate) * 1000 + 5_000,
    })
    for (const [variant, rig] of rigs) await rig.measure(publish(variant, Math.min(100, count))) // warm-up
    for (let rep = 0; rep < ctx.reps; rep++) {
      const line: string[] = []
      for (const variant of rotate(VARIANTS, rep)) {
        try {
          const rig = rigs.get(variant) as OursRig
          const readsBefore = await countReplicaReads([rig.server])
          const { latency, committed, received } = await rig.measure(publish(variant, count))
          const reads = readsBetween(readsBefore, await countReplicaReads([rig.server]))
          recorder.add(variant, 'p50', latency.p50)
          recorder.add(variant, 'p99', latency.p99)
          recorder.add(variant, 'p999', latency.p999)
          recorder.add(variant, 'commitP50', committed.p50)
          recorder.add(variant, 'lost', count - received)
          recorder.add(variant, 'replicaReads', reads.reads)
          recorder.add(variant, 'fallbacks', reads.fallbacks)
          line.push(
            `${variant} p50 ${latency.p50} p99 ${latency.p99}${received < count ? ` lost ${count - received}` : ''}${variant.endsWith('-replica') ? ` (replica reads ${reads.reads}, to the primary ${reads.fallbacks})` : ''}`,
          )
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          line.push(`${variant} FAILED`)
        }
      }
      ctx.log(`  replica-xproc rep ${rep + 1}: ${line.join('; ')}`)
    }
  } finally {
    for (const rig of rigs.values()) for (const child of rig.processes) await child.kill()
    await fleet?.stop()
    await nats?.stop()
    await cluster.close()
  }
  return [recorder.result()]
}
