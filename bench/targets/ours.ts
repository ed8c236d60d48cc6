/**
 * durable-sse under test: `broker.handle()` on `node:http`, publishing with `broker.publish()`
 * (group commit, then the poller fans out, as in production). With `quietTopics`, each request is
 * a stream over its topic and that many quiet ones (`{ topics: [...] }`).
 * @module
 */
import { createServer } from 'node:http'
import { registerOpenTelemetry } from '../lib/otel.js'
import { loadOurs } from '../lib/ours.js'
import { busOptions, openStore } from '../lib/stores.js'
import { type BenchEvent, listenOn, type SseTarget, type TargetConfig, topicOf } from './target.js'

/** The topics option of the `stream`-th request for `topic`: one topic, or it and the quiet ones. */
function streamTopics(config: TargetConfig): (topic: string, stream: number) => { topic: string } | { topics: string[] } {
  const quiet = config.quietTopics
  if (!quiet || quiet.count === 0) return (topic) => ({ topic })
  const shared = Array.from({ length: quiet.count }, (_, j) => `quiet-${j}`)
  if (!quiet.perStream) return (topic) => ({ topics: [topic, ...shared] })
  return (topic, stream) => ({ topics: [topic, ...shared.map((name) => `${name}-${stream}`)] })
}

/** A filter that passes every event: what a filter costs at the least. */
const passAll = (): boolean => true

/** Starts durable-sse with the configured store. */
export async function oursTarget(config: TargetConfig): Promise<SseTarget> {
  if (config.telemetry) await registerOpenTelemetry()
  const { createBroker } = await loadOurs(config.experimental)
  const store = await openStore(config.store ?? { kind: 'memory' }, config.experimental)
  let failures = 0
  const broker = createBroker(store, {
    ...(await busOptions(config.store)),
    heartbeatMs: config.heartbeatMs ?? 0,
    queueLimit: config.queueLimit,
    pollIntervalMs: config.pollIntervalMs,
    onError: () => failures++,
  })
  const topicsOf = streamTopics(config)
  const filter = config.filter ? { filter: passAll } : {}
  let streams = 0
  const server = createServer((req, res) => {
    broker.handle(req, res, { ...topicsOf(topicOf(req.url), streams++), ...filter }).catch(() => failures++)
  })
  return {
    listen: () => listenOn(server),
    subscribers: () => broker.stats().subscribers,
    publish(events: readonly BenchEvent[]): void {
      for (const event of events) {
        broker.publish({ topic: event.topic, type: 'tick', payload: event.payload }).catch(() => failures++)
      }
    },
    errors: () => failures,
    stats: () => ({ ...broker.stats() }),
  }
}
