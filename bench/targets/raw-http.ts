/**
 * A second ceiling: `node:http` with `res.write()` of the same pre-framed bytes (chunked
 * transfer encoding), which tells how much of any gap is the HTTP layer rather than durable-sse.
 * @module
 */
import { createServer, type ServerResponse } from 'node:http'
import { retryFrame } from '../../src/frame.js'
import { sseHeaders } from '../../src/sse/headers.js'
import { type BenchEvent, listenOn, RETRY_MS, type SseTarget, type TargetConfig, topicOf } from './target.js'
import { TopicSinks } from './topic-sinks.js'

/** Starts the raw `node:http` ceiling. */
export async function rawHttpTarget(config: TargetConfig): Promise<SseTarget> {
  const sinks = new TopicSinks<ServerResponse>((res, chunk) => res.write(chunk), config.heartbeatMs)
  const server = createServer((req, res) => {
    const topic = topicOf(req.url)
    res.writeHead(200, sseHeaders(true))
    res.write(retryFrame(RETRY_MS))
    res.on('error', () => {})
    sinks.add(topic, res)
    res.on('close', () => sinks.remove(topic, res))
  })
  return {
    listen: () => listenOn(server),
    subscribers: () => sinks.size,
    publish: (events: readonly BenchEvent[]) => sinks.publish(events),
    errors: () => 0,
    stats: () => ({}),
  }
}
