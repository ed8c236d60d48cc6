/**
 * Every size and duration of every scenario, per mode: `full` (the numbers in BENCHMARKS.md),
 * `quick` (every scenario at reduced sizes, about five minutes) and `smoke` (tiny, for CI).
 * @module
 */
import type { Mode } from './args.js'

/** One publishing phase of a fan-out group. */
export interface FanoutPhaseSize {
  /** Metric prefix: `unloaded`, `single`, `capacity`, `load`, `r10`, ... */
  key: string
  /** Human label. */
  label: string
  /** Events per second (all topics together). */
  rate: number
  /** Events in total. */
  count: number
}

/** One fan-out group: subscribers connected once per trial, then its phases. */
export interface FanoutGroupSize {
  /** Scenario id. */
  id: string
  /** Topics (subscribers spread evenly). */
  topics: number
  /** Subscribers per topic. */
  perTopic: number
  /** Load-generator processes. */
  loadgens: number
  /** Variants to run. */
  variants: string[]
  /** Phases. */
  phases: FanoutPhaseSize[]
}

/** The many-topics scenario: topic counts, publish rates, and where the subscribers are. */
export interface ManyTopicsSize {
  /** Topics tailed by the app process, one in-process subscriber each (the first is the ratios' base). */
  topics: number[]
  /** Topics served as SSE connections, one each, across `loadgens` processes (Postgres with NOTIFY). */
  sseTopics: number[]
  /** Load-generator processes of the SSE rows. */
  loadgens: number
  /** Publishing phases, from another process, to random topics. */
  rates: { rate: number; seconds: number }[]
  /** The app's `pollIntervalMs` (the backstop; with `notify: false` the only wake-up). */
  pollIntervalMs: number
}

/** The processes scenario: app processes on one Postgres. */
export interface ProcessesSize {
  /** App process counts. */
  counts: number[]
  /** SSE subscribers per app process, one per topic (every process tails every topic). */
  subscribers: number
  /** Load-generator processes. */
  loadgens: number
  /** Events per second, from another process, to random topics. */
  rate: number
  /** Publishing time per measurement, s. */
  seconds: number
}

/** The multi-topic scenario: its fan-out reuses the `fanout-2k` group's sizes, its memory table the `memory` scenario's. */
export interface MultiTopicSize {
  /** `ours` (one-topic streams) and the streams over several topics (`ours-10t`, `ours-10t-own`). */
  variants: string[]
}

/** The replica-storm scenario (issue 21): browsers resuming across app processes, with and without a replica. */
export interface ReplicaStormSize {
  /** Browsers resuming at once, spread evenly over the topics and the app processes. */
  browsers: number
  /** Events each browser resumes. */
  each: number
  /** Topics of the backlog (`browsers / topics` browsers per topic, a multiple of `apps`). */
  topics: number
  /** App processes (SSE servers). */
  apps: number
  /** Load-generator processes. */
  loadgens: number
}

/** All sizes of one mode. */
export interface Sizes {
  reps: number
  fanout: { payloadBytes: number; groups: FanoutGroupSize[] }
  publish: { sqlitePublishers: number[]; pgPublishers: number[]; durationMs: number; payloadBytes: number }
  xproc: { rate: number; seconds: number; pollIntervalMs: number }
  /** Issue 20's publish throughput by publisher processes. */
  busPublish: { processes: number[]; durationMs: number }
  memory: { subscribers: number; loadgens: number; heartbeatMs: number; heartbeatSeconds: number; variants: string[] }
  replay: {
    backlog: number
    smallBacklog: number
    stormClients: number
    stormEach: number
    liveSubscribers: number
    liveRate: number
    payloadBytes: number
  }
  slow: {
    subscribers: number
    stallEvery: number
    rate: number
    seconds: number
    payloadBytes: number
    queueLimit: number
    variants: string[]
  }
  manyTopics: ManyTopicsSize
  processes: ProcessesSize
  multiTopic: MultiTopicSize
  replicaStorm: ReplicaStormSize
}

const CORE = ['ours', 'raw-net', 'better-sse']
const MEMORY = ['ours', 'raw-http', 'raw-net', 'better-sse']
const LIGHT_MEMORY = ['ours', 'raw-http', 'better-sse']
const SLOW = ['ours-stalled', 'ours-none', 'better-sse-stalled', 'better-sse-none']
const OURS_SLOW = SLOW.slice(0, 2)
const MULTI_TOPIC: MultiTopicSize = { variants: ['ours', 'ours-10t', 'ours-10t-own'] }

/** The fan-out phases, each run with a mode's count of events. */
const UNLOADED = { key: 'unloaded', label: 'unloaded, 20 events/s', rate: 20 }
const SINGLE = { key: 'single', label: 'single events, 4/s', rate: 4 }
const SATURATING = { key: 'capacity', label: 'saturating, 1,000 events/s', rate: 1_000 }

/** `kind` with `count` events. */
const phase = (kind: Omit<FanoutPhaseSize, 'count'>, count: number): FanoutPhaseSize => ({ ...kind, count })

/** A fan-out group on one topic. */
function oneTopic(
  id: string,
  perTopic: number,
  loadgens: number,
  variants: string[],
  phases: FanoutPhaseSize[],
): FanoutGroupSize {
  return { id, topics: 1, perTopic, loadgens, variants, phases }
}

/** `fanout-100x100`: `perTopic` subscribers on each of `topics` topics, `rate` events/s over all of them. */
function spread(
  topics: number,
  perTopic: number,
  loadgens: number,
  variants: string[],
  rate: number,
  count: number,
): FanoutGroupSize {
  const label = `${rate.toLocaleString('en')} events/s over ${topics} topics`
  return { id: 'fanout-100x100', topics, perTopic, loadgens, variants, phases: [{ key: 'load', label, rate, count }] }
}

/** The many-topics publishing phases: 200 then 2,000 events/s, each for the given seconds. */
const ratesFor = (...seconds: number[]) => seconds.map((each, i) => ({ rate: i === 0 ? 200 : 2_000, seconds: each }))

/** The replay scenario (128-byte payloads; live subscribers get 20 events/s). */
function replay(backlog: number, smallBacklog: number, stormClients: number, stormEach: number, liveSubscribers: number) {
  return { backlog, smallBacklog, stormClients, stormEach, liveSubscribers, liveRate: 20, payloadBytes: 128 }
}

const FULL: Sizes = {
  reps: 3,
  fanout: {
    payloadBytes: 128,
    groups: [
      oneTopic(
        'fanout-2k',
        2_000,
        1,
        ['ours', 'raw-net', 'raw-http', 'better-sse', 'ours-sqlite'],
        [phase(UNLOADED, 100), phase(SATURATING, 1_000)],
      ),
      oneTopic('fanout-10k', 10_000, 2, [...CORE, 'raw-http'], [phase(SINGLE, 20), phase(SATURATING, 300)]),
      spread(100, 100, 2, CORE, 1_000, 5_000),
      oneTopic(
        'fanout-sweep-1k',
        1_000,
        1,
        CORE,
        [1, 10, 100, 1_000].map((rate) => ({ key: `r${rate}`, label: `${rate} events/s`, rate, count: Math.max(5, rate * 3) })),
      ),
    ],
  },
  publish: { sqlitePublishers: [1, 4, 16, 64], pgPublishers: [1, 4, 16, 64], durationMs: 1_500, payloadBytes: 256 },
  xproc: { rate: 1_000, seconds: 5, pollIntervalMs: 100 },
  busPublish: { processes: [1, 2, 4, 8], durationMs: 1_500 },
  memory: { subscribers: 10_000, loadgens: 1, heartbeatMs: 1_000, heartbeatSeconds: 5, variants: MEMORY },
  replay: replay(100_000, 10_000, 1_000, 1_000, 100),
  slow: { subscribers: 500, stallEvery: 100, rate: 50, seconds: 12, payloadBytes: 16_384, queueLimit: 100, variants: SLOW },
  manyTopics: {
    topics: [100, 20_000, 100_000],
    // The server holds one socket per connection, and a process may open 20,000 files here (`ulimit -n`,
    // no raising it): 19,900 connections leave room for its other descriptors.
    sseTopics: [100, 19_900],
    loadgens: 2,
    rates: ratesFor(5, 3),
    pollIntervalMs: 1_000,
  },
  processes: { counts: [1, 2, 4, 8], subscribers: 1_000, loadgens: 2, rate: 500, seconds: 5 },
  multiTopic: MULTI_TOPIC,
  replicaStorm: { browsers: 5_000, each: 1_000, topics: 250, apps: 4, loadgens: 2 },
}

const QUICK: Sizes = {
  reps: 2,
  fanout: {
    payloadBytes: 128,
    groups: [
      oneTopic('fanout-2k', 2_000, 1, CORE, [phase(UNLOADED, 20), phase(SINGLE, 3), phase(SATURATING, 100)]),
      spread(20, 25, 1, CORE, 1_000, 600),
    ],
  },
  publish: { sqlitePublishers: [16], pgPublishers: [16], durationMs: 500, payloadBytes: 256 },
  xproc: { rate: 1_000, seconds: 1, pollIntervalMs: 100 },
  busPublish: { processes: [1, 2, 4, 8], durationMs: 800 },
  memory: { subscribers: 2_000, loadgens: 1, heartbeatMs: 250, heartbeatSeconds: 0.5, variants: LIGHT_MEMORY },
  replay: replay(20_000, 2_000, 200, 1_000, 20),
  slow: { ...FULL.slow, subscribers: 100, rate: 100, seconds: 3.5, variants: OURS_SLOW },
  manyTopics: { ...FULL.manyTopics, topics: [100, 2_000, 10_000], sseTopics: [100, 2_000], rates: ratesFor(2, 1) },
  processes: { counts: [1, 2, 4], subscribers: 500, loadgens: 2, rate: 500, seconds: 2 },
  multiTopic: MULTI_TOPIC,
  replicaStorm: { browsers: 1_000, each: 1_000, topics: 50, apps: 4, loadgens: 1 },
}

const SMOKE: Sizes = {
  reps: 1,
  fanout: {
    payloadBytes: 128,
    groups: [oneTopic('fanout-2k', 50, 1, CORE, [phase(UNLOADED, 5), phase(SATURATING, 20)]), spread(4, 5, 1, ['ours'], 200, 40)],
  },
  publish: { sqlitePublishers: [4], pgPublishers: [4], durationMs: 150, payloadBytes: 256 },
  xproc: { rate: 200, seconds: 0.3, pollIntervalMs: 100 },
  busPublish: { processes: [1, 2], durationMs: 150 },
  memory: { subscribers: 100, loadgens: 1, heartbeatMs: 200, heartbeatSeconds: 0.4, variants: LIGHT_MEMORY },
  replay: replay(1_000, 100, 10, 50, 5),
  slow: { subscribers: 20, stallEvery: 10, rate: 100, seconds: 0.5, payloadBytes: 512, queueLimit: 20, variants: OURS_SLOW },
  manyTopics: { ...FULL.manyTopics, topics: [100, 1_000], sseTopics: [100], rates: ratesFor(0.5), pollIntervalMs: 250 },
  processes: { counts: [1, 2], subscribers: 100, loadgens: 2, rate: 200, seconds: 0.5 },
  multiTopic: MULTI_TOPIC,
  replicaStorm: { browsers: 40, each: 50, topics: 5, apps: 4, loadgens: 1 },
}

/** The sizes of `mode`. */
export function sizesFor(mode: Mode): Sizes {
  return mode === 'full' ? FULL : mode === 'quick' ? QUICK : SMOKE
}
