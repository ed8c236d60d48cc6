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

/** All sizes of one mode. */
export interface Sizes {
  reps: number
  fanout: { payloadBytes: number; groups: FanoutGroupSize[] }
  publish: { sqlitePublishers: number[]; pgPublishers: number[]; durationMs: number; payloadBytes: number }
  xproc: { rate: number; seconds: number; pollIntervalMs: number }
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
}

const CORE = ['ours', 'raw-net', 'better-sse']
const MEMORY = ['ours', 'raw-http', 'raw-net', 'better-sse']
const SLOW = ['ours-stalled', 'ours-none', 'better-sse-stalled', 'better-sse-none']
const MULTI_TOPIC: MultiTopicSize = { variants: ['ours', 'ours-10t', 'ours-10t-own'] }

const FULL: Sizes = {
  reps: 3,
  fanout: {
    payloadBytes: 128,
    groups: [
      {
        id: 'fanout-2k',
        topics: 1,
        perTopic: 2_000,
        loadgens: 1,
        variants: ['ours', 'raw-net', 'raw-http', 'better-sse', 'ours-sqlite'],
        phases: [
          { key: 'unloaded', label: 'unloaded, 20 events/s', rate: 20, count: 100 },
          { key: 'capacity', label: 'saturating, 1,000 events/s', rate: 1_000, count: 1_000 },
        ],
      },
      {
        id: 'fanout-10k',
        topics: 1,
        perTopic: 10_000,
        loadgens: 2,
        variants: [...CORE, 'raw-http'],
        phases: [
          { key: 'single', label: 'single events, 4/s', rate: 4, count: 20 },
          { key: 'capacity', label: 'saturating, 1,000 events/s', rate: 1_000, count: 300 },
        ],
      },
      {
        id: 'fanout-100x100',
        topics: 100,
        perTopic: 100,
        loadgens: 2,
        variants: CORE,
        phases: [{ key: 'load', label: '1,000 events/s over 100 topics', rate: 1_000, count: 5_000 }],
      },
      {
        id: 'fanout-sweep-1k',
        topics: 1,
        perTopic: 1_000,
        loadgens: 1,
        variants: CORE,
        phases: [1, 10, 100, 1_000].map((rate) => ({
          key: `r${rate}`,
          label: `${rate} events/s`,
          rate,
          count: Math.max(5, rate * 3),
        })),
      },
    ],
  },
  publish: { sqlitePublishers: [1, 4, 16, 64], pgPublishers: [1, 4, 16, 64], durationMs: 1_500, payloadBytes: 256 },
  xproc: { rate: 1_000, seconds: 5, pollIntervalMs: 100 },
  memory: { subscribers: 10_000, loadgens: 1, heartbeatMs: 1_000, heartbeatSeconds: 5, variants: MEMORY },
  replay: {
    backlog: 100_000,
    smallBacklog: 10_000,
    stormClients: 1_000,
    stormEach: 1_000,
    liveSubscribers: 100,
    liveRate: 20,
    payloadBytes: 128,
  },
  slow: { subscribers: 500, stallEvery: 100, rate: 50, seconds: 12, payloadBytes: 16_384, queueLimit: 100, variants: SLOW },
  manyTopics: {
    topics: [100, 20_000, 100_000],
    // The server holds one socket per connection, and a process may open 20,000 files here (`ulimit -n`,
    // no raising it): 19,900 connections leave room for its other descriptors.
    sseTopics: [100, 19_900],
    loadgens: 2,
    rates: [
      { rate: 200, seconds: 5 },
      { rate: 2_000, seconds: 3 },
    ],
    pollIntervalMs: 1_000,
  },
  processes: { counts: [1, 2, 4, 8], subscribers: 1_000, loadgens: 2, rate: 500, seconds: 5 },
  multiTopic: MULTI_TOPIC,
}

const QUICK: Sizes = {
  reps: 2,
  fanout: {
    payloadBytes: 128,
    groups: [
      {
        id: 'fanout-2k',
        topics: 1,
        perTopic: 2_000,
        loadgens: 1,
        variants: CORE,
        phases: [
          { key: 'unloaded', label: 'unloaded, 20 events/s', rate: 20, count: 20 },
          { key: 'single', label: 'single events, 4/s', rate: 4, count: 3 },
          { key: 'capacity', label: 'saturating, 1,000 events/s', rate: 1_000, count: 100 },
        ],
      },
      {
        id: 'fanout-100x100',
        topics: 20,
        perTopic: 25,
        loadgens: 1,
        variants: CORE,
        phases: [{ key: 'load', label: '1,000 events/s over 20 topics', rate: 1_000, count: 600 }],
      },
    ],
  },
  publish: { sqlitePublishers: [16], pgPublishers: [16], durationMs: 500, payloadBytes: 256 },
  xproc: { rate: 1_000, seconds: 1, pollIntervalMs: 100 },
  memory: {
    subscribers: 2_000,
    loadgens: 1,
    heartbeatMs: 250,
    heartbeatSeconds: 0.5,
    variants: ['ours', 'raw-http', 'better-sse'],
  },
  replay: {
    backlog: 20_000,
    smallBacklog: 2_000,
    stormClients: 200,
    stormEach: 1_000,
    liveSubscribers: 20,
    liveRate: 20,
    payloadBytes: 128,
  },
  slow: {
    subscribers: 100,
    stallEvery: 100,
    rate: 100,
    seconds: 3.5,
    payloadBytes: 16_384,
    queueLimit: 100,
    variants: SLOW.slice(0, 2),
  },
  manyTopics: {
    topics: [100, 2_000, 10_000],
    sseTopics: [100, 2_000],
    loadgens: 2,
    rates: [
      { rate: 200, seconds: 2 },
      { rate: 2_000, seconds: 1 },
    ],
    pollIntervalMs: 1_000,
  },
  processes: { counts: [1, 2, 4], subscribers: 500, loadgens: 2, rate: 500, seconds: 2 },
  multiTopic: MULTI_TOPIC,
}

const SMOKE: Sizes = {
  reps: 1,
  fanout: {
    payloadBytes: 128,
    groups: [
      {
        id: 'fanout-2k',
        topics: 1,
        perTopic: 50,
        loadgens: 1,
        variants: CORE,
        phases: [
          { key: 'unloaded', label: 'unloaded, 20 events/s', rate: 20, count: 5 },
          { key: 'capacity', label: 'saturating, 1,000 events/s', rate: 1_000, count: 20 },
        ],
      },
      {
        id: 'fanout-100x100',
        topics: 4,
        perTopic: 5,
        loadgens: 1,
        variants: ['ours'],
        phases: [{ key: 'load', label: '200 events/s over 4 topics', rate: 200, count: 40 }],
      },
    ],
  },
  publish: { sqlitePublishers: [4], pgPublishers: [4], durationMs: 150, payloadBytes: 256 },
  xproc: { rate: 200, seconds: 0.3, pollIntervalMs: 100 },
  memory: {
    subscribers: 100,
    loadgens: 1,
    heartbeatMs: 200,
    heartbeatSeconds: 0.4,
    variants: ['ours', 'raw-http', 'better-sse'],
  },
  replay: {
    backlog: 1_000,
    smallBacklog: 100,
    stormClients: 10,
    stormEach: 50,
    liveSubscribers: 5,
    liveRate: 20,
    payloadBytes: 128,
  },
  slow: {
    subscribers: 20,
    stallEvery: 10,
    rate: 100,
    seconds: 0.5,
    payloadBytes: 512,
    queueLimit: 20,
    variants: SLOW.slice(0, 2),
  },
  manyTopics: {
    topics: [100, 1_000],
    sseTopics: [100],
    loadgens: 2,
    rates: [{ rate: 200, seconds: 0.5 }],
    pollIntervalMs: 250,
  },
  processes: { counts: [1, 2], subscribers: 100, loadgens: 2, rate: 200, seconds: 0.5 },
  multiTopic: MULTI_TOPIC,
}

/** The sizes of `mode`. */
export function sizesFor(mode: Mode): Sizes {
  return mode === 'full' ? FULL : mode === 'quick' ? QUICK : SMOKE
}
