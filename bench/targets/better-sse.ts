/**
 * The peer: better-sse sessions registered on one `Channel` per topic, each event sent with
 * `Channel.broadcast` (the library serialises the data per session), same data JSON as ours.
 * @module
 */
import { createServer } from 'node:http'
import { type Channel, createChannel, createSession } from 'better-sse'
import { type BenchEvent, benchId, listenOn, RETRY_MS, type SseTarget, type TargetConfig, topicOf } from './target.js'

/** Starts the better-sse server. */
export async function betterSseTarget(config: TargetConfig): Promise<SseTarget> {
  const channels = new Map<string, Channel>()
  const channelOf = (topic: string): Channel => {
    const channel = channels.get(topic) ?? createChannel()
    channels.set(topic, channel)
    return channel
  }
  let failures = 0
  const server = createServer((req, res) => {
    res.on('error', () => {})
    const topic = topicOf(req.url)
    createSession(req, res, { keepAlive: config.heartbeatMs ? config.heartbeatMs : null, retry: RETRY_MS }).then(
      (session) => channelOf(topic).register(session),
      () => failures++,
    )
  })
  return {
    listen: () => listenOn(server),
    subscribers: () => {
      let count = 0
      for (const channel of channels.values()) count += channel.sessionCount
      return count
    },
    publish(events: readonly BenchEvent[]): void {
      const createdAt = new Date().toISOString()
      for (const event of events) {
        const id = benchId(event.seq)
        const data = { id, type: 'tick', topic: event.topic, payload: event.payload, createdAt }
        channels.get(event.topic)?.broadcast(data, 'tick', { eventId: id })
      }
    },
    errors: () => failures,
    stats: () => ({}),
  }
}
