/**
 * What the ceilings share: open connections grouped by topic, one pre-framed chunk per topic per
 * tick written to each of them, and an optional heartbeat from one timer.
 * @module
 */
import { sseFrame } from '../lib/envelope.js'
import { type BenchEvent, benchId } from './target.js'

const HEARTBEAT = Buffer.from(': heartbeat\n\n')

/** Connections by topic, and the loop that writes a tick's frames to them. */
export class TopicSinks<Sink> {
  private readonly topics = new Map<string, Set<Sink>>()
  private count = 0
  private readonly writeTo: (sink: Sink, chunk: Buffer) => unknown

  constructor(write: (sink: Sink, chunk: Buffer) => unknown, heartbeatMs = 0) {
    this.writeTo = write
    if (heartbeatMs > 0) {
      setInterval(() => {
        for (const sinks of this.topics.values()) for (const sink of sinks) write(sink, HEARTBEAT)
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
  write(topic: string, chunk: Buffer): void {
    const sinks = this.topics.get(topic)
    if (sinks) for (const sink of sinks) this.writeTo(sink, chunk)
  }

  /** Frames the tick's events once per topic and writes the chunk to each of the topic's connections. */
  publish(events: readonly BenchEvent[]): void {
    const byTopic = new Map<string, string>()
    const createdAt = new Date().toISOString()
    for (const event of events) {
      const frame = sseFrame(benchId(event.seq), 'tick', event.topic, JSON.stringify(event.payload), createdAt)
      byTopic.set(event.topic, (byTopic.get(event.topic) ?? '') + frame)
    }
    for (const [topic, text] of byTopic) this.write(topic, Buffer.from(text))
  }
}
