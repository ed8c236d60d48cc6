/**
 * durable-sse under test: `broker.handle()` on `node:http`, publishing with `broker.publish()`
 * (group commit, then the poller fans out, as in production).
 * @module
 */
import { createServer } from 'node:http'
import { loadOurs } from '../lib/ours.js'
import { openStore } from '../lib/stores.js'
import { type BenchEvent, listenOn, type SseTarget, type TargetConfig, topicOf } from './target.js'

/** Starts durable-sse with the configured store. */
export async function oursTarget(config: TargetConfig): Promise<SseTarget> {
  const { createBroker } = await loadOurs(config.experimental)
  const store = await openStore(config.store ?? { kind: 'memory' }, config.experimental)
  let failures = 0
  const broker = createBroker(store, {
    heartbeatMs: config.heartbeatMs ?? 0,
    queueLimit: config.queueLimit,
    pollIntervalMs: config.pollIntervalMs,
    onError: () => failures++,
  })
  const server = createServer((req, res) => {
    broker.handle(req, res, { topic: topicOf(req.url) }).catch(() => failures++)
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
