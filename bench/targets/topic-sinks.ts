/**
 * What the ceilings share: open connections grouped by topic, one pre-framed chunk per topic per
 * tick written to each of them, and an optional heartbeat from one timer.
 * @module
 */
import { eventFrame, HEARTBEAT_FRAME } from '../../src/frame.js'
import { type BenchEvent, benchId } from './target.js'

/** Connections by topic, and the loop that writes a tick's frames to them. */
export class TopicSinks<Sink> {
  private readonly topics = new Map<string, Set<Sink>>()
  private count = 0
  private readonly writeTo: (sink: Sink, chunk: Uint8Array) => unknown

  constructor(write: (sink: Sink, chunk: Uint8Array) => unknown, heartbeatMs = 0) {
    this.writeTo = write
    if (heartbeatMs > 0) {
      setInterval(() => {
        for (const sinks of this.topics.values()) for (const sink of sinks) write(sink, HEARTBEAT_FRAME)
      }, heartbeatMs).unref()
    }
  }

  /** Open connections. */
  get size(): number {
    return this.count
  }

  /** Registers a connection of `topic`. */
  add(topic: string, sink: Sink): void {
    const sinks = this.topics.get(topic) ?? new Set<Sink>()
    this.topics.set(topic, sinks)
    if (!sinks.has(sink)) this.count++
    sinks.add(sink)
  }

  /** Forgets a connection. */
  remove(topic: string, sink: Sink): void {
    if (this.topics.get(topic)?.delete(sink)) this.count--
  }

  /** Writes `chunk` to every connection of `topic`. */
  write(topic: string, chunk: Uint8Array): void {
    const sinks = this.topics.get(topic)
    if (sinks) for (const sink of sinks) this.writeTo(sink, chunk)
  }

  /** Frames the tick's events once per topic and writes the chunk to each of the topic's connections. */
  publish(events: readonly BenchEvent[]): void {
    const byTopic = new Map<string, string>()
    const createdAt = new Date().toISOString()
    for (const event of events) {
      const data = JSON.stringify(event.payload)
      const frame = eventFrame({ id: benchId(event.seq), type: 'tick', topic: event.topic, data, createdAt })
      byTopic.set(event.topic, (byTopic.get(event.topic) ?? '') + frame)
    }
    for (const [topic, text] of byTopic) this.write(topic, Buffer.from(text))
  }
}
