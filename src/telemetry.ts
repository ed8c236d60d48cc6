/**
 * OpenTelemetry traces and metrics, through `@opentelemetry/api` (an optional peer dependency,
 * loaded once when a broker is made; without it, or without an SDK registered, nothing here does
 * measurable work). Traces follow the messaging conventions: `publish()` records a producer span
 * `publish <topic>`, a child of the caller's active span, and stores its context with each event
 * (`EventDraft.traceContext`, W3C `traceparent`); the process that fans a batch out records one
 * consumer span `deliver <topic>` per batch (never per subscriber), linked to the publishers'
 * contexts, whichever process published; a catch-up page read likewise. Metrics are named
 * `durable_sse.*`: counters read from the broker's own counters when a reader collects (so the
 * fan-out path does no metric work per delivery), histograms of publish duration and
 * publish → deliver lag, and counters of catch-up reads, resets and store errors.
 * Register the SDK before `createBroker`: a meter taken before it stays a no-op.
 * @module
 */
import { createRequire } from 'node:module'
import type * as Otel from '@opentelemetry/api'
import type { EventDraft, EventRecord } from './event.js'

/** The instrumentation scope's name. */
const SCOPE = 'durable-sse'
/** `messaging.system` of every span. */
const SYSTEM = 'durable-sse'
/** Bucket bounds of the duration histograms, in seconds (the SDK's default ones are for milliseconds). */
const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/** `@opentelemetry/api`, or `undefined` when it is not installed. */
let api: typeof Otel | null | undefined

declare const require: NodeJS.Require | undefined

/** Loads `@opentelemetry/api` once (synchronously, so the first publish is traced); `undefined` when it is not installed. */
function otel(): typeof Otel | undefined {
  if (api === undefined) {
    try {
      const load = typeof require === 'function' ? require : createRequire(import.meta.url)
      api = load('@opentelemetry/api') as typeof Otel
    } catch {
      api = null
    }
  }
  return api ?? undefined
}

/** What the observable metrics read when a reader collects. */
export interface TelemetryCounters {
  /** Events published through this broker. */
  published(): number
  /** Events handed to connections (one per event per connection). */
  delivered(): number
  /** Open connections. */
  open(): number
  /** Connections with a topic catching up. */
  lagging(): number
  /** The wake-up path: its source and state, and whether it is ok. */
  wake(): { source: string; state: string; ok: boolean }
}

/** The observable instruments, read from the broker's counters when a reader collects, in the order of {@link TelemetryCounters}. */
const OBSERVED: ReadonlyArray<{ name: string; kind: 'counter' | 'updown' | 'gauge'; description: string; unit: string }> = [
  { name: 'durable_sse.events.published', kind: 'counter', description: 'Events published (events, not calls)', unit: '{event}' },
  {
    name: 'durable_sse.events.delivered',
    kind: 'counter',
    description: 'Events handed to connections, one per event per connection',
    unit: '{event}',
  },
  {
    name: 'durable_sse.connections.open',
    kind: 'updown',
    description: 'Open connections (SSE streams and iterators)',
    unit: '{connection}',
  },
  {
    name: 'durable_sse.connections.lagging',
    kind: 'gauge',
    description: 'Connections with a topic catching up',
    unit: '{connection}',
  },
  {
    name: 'durable_sse.wake.up',
    kind: 'gauge',
    description: 'Whether the wake-up path works (1) or is down without a fallback (0)',
    unit: '1',
  },
]

/** W3C `traceparent` of a span context. */
function traceparent(context: Otel.SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags.toString(16).padStart(2, '0')}`
}

/** The span context a stored `traceparent` names, or `undefined` when it is not one. */
function spanContextOf(text: string): Otel.SpanContext | undefined {
  const parts = text.split('-')
  if (parts.length !== 4 || parts[1]?.length !== 32 || parts[2]?.length !== 16) return undefined
  return { traceId: parts[1], spanId: parts[2], traceFlags: Number.parseInt(parts[3] as string, 16) & 1, isRemote: true }
}

/** One broker's tracer, meter and instruments; `undefined` from {@link createTelemetry} without the API. */
export class Telemetry {
  private readonly api: typeof Otel
  private readonly tracer: Otel.Tracer
  private readonly publishDuration: Otel.Histogram
  private readonly lag: Otel.Histogram
  private readonly catchUps: Otel.Counter
  private readonly resets: Otel.Counter
  private readonly storeErrors: Otel.Counter
  /** Unregisters the observable metrics' callback. */
  private readonly stopObserving: () => void

  constructor(otelApi: typeof Otel, counters: TelemetryCounters) {
    this.api = otelApi
    this.tracer = otelApi.trace.getTracer(SCOPE)
    const meter = otelApi.metrics.getMeter(SCOPE)
    this.publishDuration = meter.createHistogram('durable_sse.publish.duration', {
      description: 'Duration of publish() calls, to the commit',
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    })
    this.lag = meter.createHistogram('durable_sse.delivery.lag', {
      description: "From an event's append to its fan-out to this process's connections",
      unit: 's',
      advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
    })
    this.catchUps = meter.createCounter('durable_sse.catch_up.reads', {
      description: 'Catch-up pages read from the store for connections behind the live tail',
      unit: '{read}',
    })
    this.resets = meter.createCounter('durable_sse.resets', {
      description: 'Topics of connections that could not resume where they asked (reset), by reason',
      unit: '{reset}',
    })
    this.storeErrors = meter.createCounter('durable_sse.store.errors', {
      description: 'Failed store calls, by operation and error type',
      unit: '{error}',
    })
    const observables = OBSERVED.map(({ name, kind, description, unit }) =>
      kind === 'counter'
        ? meter.createObservableCounter(name, { description, unit })
        : kind === 'updown'
          ? meter.createObservableUpDownCounter(name, { description, unit })
          : meter.createObservableGauge(name, { description, unit }),
    )
    const [published, delivered, open, lagging, wake] = observables as [
      Otel.Observable,
      Otel.Observable,
      Otel.Observable,
      Otel.Observable,
      Otel.Observable,
    ]
    const callback: Otel.BatchObservableCallback = (result) => {
      result.observe(published, counters.published())
      result.observe(delivered, counters.delivered())
      result.observe(open, counters.open())
      result.observe(lagging, counters.lagging())
      const path = counters.wake()
      result.observe(wake, path.ok ? 1 : 0, { 'durable_sse.wake.source': path.source, 'durable_sse.wake.state': path.state })
    }
    meter.addBatchObservableCallback(callback, observables)
    this.stopObserving = () => meter.removeBatchObservableCallback(callback, observables)
  }

  /** The broker closed: its metrics are no longer observed. */
  close(): void {
    this.stopObserving()
  }

  /**
   * Runs a publish of `drafts` (stamping each with the producer span's context) inside a span
   * `publish <topic>` that is a child of the caller's active span; records its duration.
   */
  async publish<T>(drafts: EventDraft[], run: () => Promise<T>): Promise<T> {
    const publishing = this.startPublish(drafts)
    try {
      const result = await run()
      publishing.end(undefined)
      return result
    } catch (error) {
      publishing.end(error)
      throw error
    }
  }

  /** {@link Telemetry.publish} for a synchronous append (`publishSync` in the caller's transaction). */
  publishSync<T>(drafts: EventDraft[], run: () => T): T {
    const publishing = this.startPublish(drafts)
    try {
      const result = run()
      publishing.end(undefined)
      return result
    } catch (error) {
      publishing.end(error)
      throw error
    }
  }

  /** Starts a publish's span and stamps `drafts` with its context; `end` records how it ended and its duration. */
  private startPublish(drafts: EventDraft[]): { end(error: unknown): void } {
    const { api: otelApi } = this
    const [first] = drafts
    const topic = first && drafts.every((draft) => draft.topic === first.topic) ? first.topic : undefined
    const span = this.tracer.startSpan(topic === undefined ? 'publish' : `publish ${topic}`, {
      kind: otelApi.SpanKind.PRODUCER,
      attributes: {
        'messaging.system': SYSTEM,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        ...(topic !== undefined && { 'messaging.destination.name': topic }),
        'messaging.batch.message_count': drafts.length,
      },
    })
    if (span.isRecording()) {
      const context = traceparent(span.spanContext())
      for (const draft of drafts) draft.traceContext = context
    }
    const started = performance.now()
    return {
      end: (error) => {
        if (error !== undefined) {
          span.recordException(error as Error)
          span.setStatus({ code: otelApi.SpanStatusCode.ERROR })
        }
        span.end()
        this.publishDuration.record((performance.now() - started) / 1_000)
      },
    }
  }

  /**
   * Runs the fan-out (`'live'`) or the catch-up read (`'catch-up'`) of `records` of `topic` inside
   * one span `deliver <topic>` linked to their publishers' spans; a live fan-out records each
   * event's publish → deliver lag.
   */
  deliver<T>(topic: string, records: readonly EventRecord[], kind: 'live' | 'catch-up', run: () => T): T {
    const span = this.tracer.startSpan(`deliver ${topic}`, { kind: this.api.SpanKind.CONSUMER })
    if (span.isRecording()) {
      span.setAttributes({
        'messaging.system': SYSTEM,
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'deliver',
        'messaging.destination.name': topic,
        'messaging.batch.message_count': records.length,
        'durable_sse.delivery.kind': kind,
      })
      const links: Otel.Link[] = []
      for (const record of records) {
        const context = record.traceContext === undefined ? undefined : spanContextOf(record.traceContext)
        if (context) links.push({ context, attributes: { 'messaging.message.id': record.id } })
      }
      if (links.length > 0) span.addLinks(links)
    }
    if (kind === 'live') {
      const now = Date.now()
      for (const record of records) this.lag.record(Math.max(0, now - Date.parse(record.createdAt)) / 1_000)
    } else this.catchUps.add(1)
    try {
      return run()
    } finally {
      span.end()
    }
  }

  /** A topic of a connection could not resume where it asked. */
  reset(reason: string): void {
    this.resets.add(1, { 'durable_sse.reset.reason': reason })
  }

  /** A store call failed. */
  storeError(operation: string, error: unknown): void {
    const type = (error as { code?: unknown })?.code ?? (error instanceof Error ? error.name : typeof error)
    this.storeErrors.add(1, { 'durable_sse.store.operation': operation, 'error.type': String(type) })
  }
}

/** A broker's telemetry, or `undefined` when `@opentelemetry/api` is not installed. */
export function createTelemetry(counters: TelemetryCounters): Telemetry | undefined {
  const loaded = otel()
  return loaded && new Telemetry(loaded, counters)
}
