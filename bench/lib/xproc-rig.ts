/**
 * The cross-process rig of durable-sse: process A publishes open-loop through a store, process B
 * serves SSE over the same store, and one subscriber in the load generators receives; used by the
 * `xproc` and `replica-xproc` scenarios.
 * @module
 */
import type { XprocPublish, XprocPublisherStart } from '../procs/xproc-publisher.js'
import { type Child, startChild } from './child.js'
import type { Fleet } from './fleet.js'
import { type LatencySummary, mergeEncoded, summarize } from './histogram.js'
import { startServer } from './sse-trial.js'
import type { StoreConfig } from './stores.js'

/** One variant's processes and how to measure a run of it. */
export interface Rig {
  /** Publishes `publish` in A and resolves once the subscriber got every event (or after 10 s). */
  measure(publish: XprocPublish): Promise<{ latency: LatencySummary; committed: LatencySummary; received: number }>
  /** Every process of the rig. */
  processes: Child[]
}

/** A rig of durable-sse: B is `server`. */
export interface OursRig extends Rig {
  /** Process B, the SSE server (it answers `stats` with its broker's). */
  server: Child
}

/** durable-sse in A and B over `store`, received by the fleet over SSE on topic `name`. */
export async function oursRig(
  name: string,
  store: StoreConfig,
  fleet: Fleet,
  pollIntervalMs: number | undefined,
): Promise<OursRig> {
  const { server, port } = await startServer(`xproc-b:${name}`, { kind: 'ours', store, pollIntervalMs })
  await fleet.connect({ port, groups: [{ topic: name, count: 1 }] })
  const publisher = await startChild(`xproc-a:${name}`, 'procs/xproc-publisher.ts', {
    kind: 'ours',
    store,
  } satisfies XprocPublisherStart)
  return {
    server,
    processes: [server, publisher],
    async measure(publish) {
      await fleet.reset()
      const { committed } = await publisher.request<{ committed: string }>('publish', publish, publish.maxMs + 60_000)
      const report = await fleet.waitFrames({ [publish.topic]: publish.count }, 10_000)
      return { latency: summarize(report.histogram), committed: summarize(mergeEncoded([committed])), received: report.frames }
    },
  }
}
