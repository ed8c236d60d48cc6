/**
 * A second ceiling: `node:http` with `res.write()` of the same pre-framed bytes (chunked
 * transfer encoding), which tells how much of any gap is the HTTP layer rather than durable-sse.
 * @module
 */
import { createServer, type ServerResponse } from 'node:http'
import { SSE_HEADERS, topicOf } from '../lib/envelope.js'
import { BACKLOG, type BenchEvent, type SseTarget, type TargetConfig } from './target.js'
import { TopicSinks } from './topic-sinks.js'

/** Starts the raw `node:http` ceiling. */
export async function rawHttpTarget(config: TargetConfig): Promise<SseTarget> {
  const sinks = new TopicSinks<ServerResponse>((res, chunk) => res.write(chunk), config.heartbeatMs)
  const server = createServer((req, res) => {
    const topic = topicOf(req.url)
    res.writeHead(200, SSE_HEADERS)
    res.write('retry: 2000\n\n')
    res.on('error', () => {})
    sinks.add(topic, res)
    res.on('close', () => sinks.remove(topic, res))
  })
  return {
    listen: () =>
      new Promise((resolve) =>
        server.listen(0, '127.0.0.1', BACKLOG, () => resolve((server.address() as { port: number }).port)),
      ),
    subscribers: () => sinks.size,
    publish: (events: readonly BenchEvent[]) => sinks.publish(events),
    errors: () => 0,
    stats: () => ({}),
  }
}
