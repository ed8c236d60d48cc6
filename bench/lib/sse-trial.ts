/**
 * One SSE trial: start a server process with a target, connect the fleet's subscribers, then run
 * phases (open-loop publishing in the server, frames counted and timed in the load generators)
 * and measure deliveries/s, latency percentiles and server CPU per delivery. The server is
 * killed at the end, so every trial starts from a fresh process.
 * @module
 */
import type { PublishCommand } from '../procs/sse-server.js'
import type { TargetConfig } from '../targets/target.js'
import { type Child, startChild } from './child.js'
import type { Fleet, FleetReport } from './fleet.js'
import { type LatencySummary, summarize } from './histogram.js'

/** One publishing phase. */
export interface Phase extends PublishCommand {
  /** How long to wait for the last frames after the schedule ended, ms. */
  drainMs: number
}

/** What one phase measured. */
export interface PhaseOutcome {
  /** Frames received by reading subscribers. */
  deliveries: number
  /** Whether every reading subscriber got every frame before the drain timeout. */
  complete: boolean
  /** Deliveries per second from the first scheduled publish to the last frame. */
  deliveriesPerSec: number
  /** Publish → receive latency. */
  latency: LatencySummary
  /** Frames per socket read at the subscribers (how many events each write carried). */
  framesPerRead: number
  /** Server CPU time per delivered frame, ns. */
  cpuNsPerDelivery: number
  /** Failed publishes. */
  publishErrors: number
  /** The raw fleet report. */
  report: FleetReport
}

/** Options of {@link runSseTrial}. */
export interface SseTrialOptions {
  /** Process name (logs). */
  name: string
  /** Server to run. */
  target: TargetConfig
  /** The connected load generators. */
  fleet: Fleet
  /** Subscribers per topic. */
  groups: { topic: string; count: number }[]
  /** Every n-th subscriber stalls (0: none). */
  stallEvery?: number
  /** Phases to run in order. */
  phases: Phase[]
  /** A short unmeasured phase first (JIT warm-up). */
  warmup?: Phase
  /** Extra Node flags of the server (e.g. `--cpu-prof`). */
  nodeFlags?: string[]
  /** Runs with the connected, warmed-up server before the phases (memory baselines and the like). */
  onConnected?: (server: Child) => Promise<void>
  /** Runs after each phase, with the server still up. */
  afterPhase?: (server: Child, phase: Phase, outcome: PhaseOutcome) => Promise<void>
}

/** How many of `count` round-robin events land on topic number `k` of `topics`. */
export function eventsForTopic(count: number, topics: number, k: number): number {
  return k < count ? Math.floor((count - k - 1) / topics) + 1 : 0
}

/** Starts a server process for `target` and resolves with it and its port. */
export async function startServer(
  name: string,
  target: TargetConfig,
  nodeFlags: string[] = [],
): Promise<{ server: Child; port: number }> {
  const server = await startChild(name, 'procs/sse-server.ts', target, {
    nodeFlags: ['--expose-gc', '--max-old-space-size=4096', ...nodeFlags],
  })
  const { port } = await server.request<{ port: number }>('listen')
  return { server, port }
}

/** Ends a server: gracefully when profiling (the profile is written at exit), else killed. */
export async function endServer(server: Child, profiled: boolean): Promise<void> {
  if (profiled) await server.stop(30_000)
  else await server.kill()
}

/** Runs one phase against a connected server. */
export async function runPhase(server: Child, fleet: Fleet, phase: Phase): Promise<PhaseOutcome> {
  await fleet.reset()
  const expect: Record<string, number> = {}
  phase.topics.forEach((topic, k) => {
    expect[topic] = eventsForTopic(phase.count, phase.topics.length, k)
  })
  const cpuBefore = await server.request<{ cpuUs: number }>('cpu')
  const published = await server.request<{ startUs: number; published: number; errors: number }>(
    'publish',
    phase,
    phase.maxMs + 60_000,
  )
  const report = await fleet.waitFrames(expect, phase.drainMs)
  const cpuAfter = await server.request<{ cpuUs: number }>('cpu')
  const elapsedS = (report.lastUs - published.startUs) / 1e6
  return {
    deliveries: report.frames,
    complete: report.complete === true,
    deliveriesPerSec: elapsedS > 0 ? report.frames / elapsedS : 0,
    latency: summarize(report.histogram),
    framesPerRead: report.reads > 0 ? report.frames / report.reads : Number.NaN,
    cpuNsPerDelivery: report.frames > 0 ? ((cpuAfter.cpuUs - cpuBefore.cpuUs) * 1000) / report.frames : Number.NaN,
    publishErrors: published.errors,
    report,
  }
}

/** Runs a whole trial; the fleet ends disconnected. */
export async function runSseTrial(options: SseTrialOptions): Promise<PhaseOutcome[]> {
  const profiled = (options.nodeFlags ?? []).some((flag) => flag.startsWith('--cpu-prof'))
  const { server, port } = await startServer(options.name, options.target, options.nodeFlags)
  try {
    const total = options.groups.reduce((sum, g) => sum + g.count, 0)
    const connected = await options.fleet.connect({ port, groups: options.groups, stallEvery: options.stallEvery })
    const { subscribers } = await server.request<{ subscribers: number }>('waitSubscribers', { count: total, timeoutMs: 30_000 })
    if (subscribers < total || connected.failed > 0) {
      throw new Error(`${options.name}: ${subscribers}/${total} subscribers registered, ${connected.failed} connections failed`)
    }
    if (options.warmup) await runPhase(server, options.fleet, options.warmup)
    await options.onConnected?.(server)
    const outcomes: PhaseOutcome[] = []
    for (const phase of options.phases) {
      const outcome = await runPhase(server, options.fleet, phase)
      await options.afterPhase?.(server, phase, outcome)
      outcomes.push(outcome)
    }
    return outcomes
  } finally {
    await endServer(server, profiled)
    await options.fleet.disconnect()
  }
}
