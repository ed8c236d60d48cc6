/**
 * Issue 20's target 4: with the logical relay, a publish in the caller's own transaction (`{
 * transaction }`, which the publishing broker cannot see commit) reaches another process with p99
 * ≤ 50 ms. On a scratch PostgreSQL 15 cluster with `wal_level=logical` (the shared server keeps
 * its settings) and a NATS server of its own: process A publishes open-loop, each event in its own
 * `db.transaction()`; process B receives. Side by side in one run, each variant in its own schema:
 * - `relay`: `notify: false`, the relay and the bus; the relay is held by a third process C, so an
 *   event goes commit → WAL → C → NATS → B;
 * - `notify`: the same publish with NOTIFY on (B's LISTEN wakes it, then it reads): today's path;
 * - `backstop`: `notify: false`, the bus, no relay: B finds the event at its backstop poll (1 s),
 *   what a bare `{ transaction }` publish gets without NOTIFY or the relay.
 * @module
 */
import pg from 'pg'
import { postgresStore } from '../../adapters/postgres/index.js'
import { type BusServer, busServerMissing, startBusServer } from '../../test/helpers/bus-servers.js'
import { type ScratchPostgres, scratchPostgresUnavailable, startScratchPostgres } from '../../test/helpers/scratch-postgres.js'
import { type Child, startChild } from '../lib/child.js'
import type { RunContext } from '../lib/context.js'
import { mergeEncoded, summarize } from '../lib/histogram.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { rotate } from '../lib/stats.js'
import type { RelayAppStart, RelayPublish } from '../procs/relay-app.js'

const VARIANTS = ['relay', 'notify', 'backstop'] as const
type Variant = (typeof VARIANTS)[number]

/** Events per second and seconds per measurement, by mode. */
const SIZES = { full: { rate: 200, seconds: 10 }, quick: { rate: 200, seconds: 3 }, smoke: { rate: 50, seconds: 0.5 } }

/** The broker's backstop poll in every variant, ms (the library's default). */
const POLL_MS = 1_000

/** One variant's processes. */
interface Rig {
  publisher: Child
  receiver: Child
  processes: Child[]
}

/** Starts a variant's processes; with the relay, the holder first, so the relay runs in neither A nor B. */
async function startRig(variant: Variant, cluster: ScratchPostgres, nats: BusServer): Promise<Rig> {
  const schema = `bench_relay_${variant}`
  const base: RelayAppStart = {
    postgresUrl: cluster.url(),
    schema,
    notify: variant === 'notify',
    relay: variant === 'relay',
    natsUrl: variant === 'notify' ? undefined : nats.url,
    prefix: `bench-${variant}`,
    pollIntervalMs: POLL_MS,
  }
  const store = postgresStore({ connectionString: cluster.url(), schema, notify: base.notify, relay: base.relay })
  await store.migrate()
  await store.close()
  const processes: Child[] = []
  if (variant === 'relay') {
    const holder = await startChild(`relay-c:${variant}`, 'procs/relay-app.ts', base)
    processes.push(holder)
    const deadline = Date.now() + 20_000
    while ((await holder.request<{ relay: string }>('role')).relay !== 'leader') {
      if (Date.now() > deadline) throw new Error('the relay holder did not lead within 20 s')
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  const receiver = await startChild(`relay-b:${variant}`, 'procs/relay-app.ts', base)
  const publisher = await startChild(`relay-a:${variant}`, 'procs/relay-app.ts', base)
  processes.push(receiver, publisher)
  return { publisher, receiver, processes }
}

/** Runs the relay scenario. */
export async function relayScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('relay')) return []
  const { rate, seconds } = SIZES[ctx.args.mode]
  const count = Math.round(rate * seconds)
  const recorder = new ScenarioRecorder(
    'relay',
    `A { transaction } publish reaching another process, ${rate} events/s: the relay and a NATS bus, NOTIFY, the backstop`,
    [...VARIANTS],
    [
      { label: 'relay / NOTIFY', a: 'relay', b: 'notify' },
      { label: 'relay / backstop', a: 'relay', b: 'backstop' },
    ],
    { rate, seconds, pollIntervalMs: POLL_MS, server: 'scratch PostgreSQL 15, wal_level=logical, fsync on' },
  )
  recorder.metric('p50', 'p50 publish→receive', 'ms', 'lower')
  recorder.metric('p99', 'p99 publish→receive', 'ms', 'lower')
  recorder.metric('lost', 'events not received', '', 'lower')
  const missing = scratchPostgresUnavailable ?? busServerMissing('nats')
  if (missing !== undefined) {
    recorder.notes.push(`skipped: ${missing}`)
    ctx.log(`relay: skipped (${missing})`)
    return [recorder.result()]
  }
  ctx.log(`relay: ${VARIANTS.join(', ')} at ${rate} events/s for ${seconds} s`)
  const cluster = await startScratchPostgres()
  const nats = await startBusServer('nats')
  const rigs = new Map<Variant, Rig>()
  try {
    for (const variant of VARIANTS) rigs.set(variant, await startRig(variant, cluster, nats))
    const measure = async (variant: Variant, events: number) => {
      const { publisher, receiver } = rigs.get(variant) as Rig
      await receiver.request('reset')
      const publish: RelayPublish = { rate, count: events, topic: `t-${variant}`, maxMs: seconds * 1000 + 5_000 }
      const { errors } = await publisher.request<{ errors: number }>('publish', publish, publish.maxMs + 60_000)
      const { received, histogram } = await receiver.request<{ received: number; histogram: string }>('wait', {
        count: events - errors,
        timeoutMs: POLL_MS * 3 + 10_000,
      })
      return { latency: summarize(mergeEncoded([histogram])), lost: events - received }
    }
    for (const variant of VARIANTS) {
      await (rigs.get(variant) as Rig).receiver.request('subscribe', { topic: `t-${variant}` })
      await measure(variant, Math.min(20, count)) // warm-up
    }
    for (let rep = 0; rep < ctx.reps; rep++) {
      const line: string[] = []
      for (const variant of rotate(VARIANTS, rep)) {
        const { latency, lost } = await measure(variant, count)
        recorder.add(variant, 'p50', latency.p50)
        recorder.add(variant, 'p99', latency.p99)
        recorder.add(variant, 'lost', lost)
        line.push(`${variant} p50 ${latency.p50} p99 ${latency.p99}${lost > 0 ? ` lost ${lost}` : ''}`)
      }
      ctx.log(`  relay rep ${rep + 1}: ${line.join('; ')}`)
    }
    const admin = new pg.Client({ connectionString: cluster.url() })
    await admin.connect()
    const { rows } = await admin.query<{ slots: string }>('SELECT count(*)::text AS slots FROM pg_replication_slots')
    await admin.end()
    recorder.notes.push(`replication slots on the server after the run: ${rows[0]?.slots} (one, the relay variant's)`)
  } finally {
    for (const rig of rigs.values()) for (const child of rig.processes) await child.kill()
    await nats.stop()
    await cluster.close()
  }
  return [recorder.result()]
}
