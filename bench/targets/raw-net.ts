/**
 * The ceiling: a raw `net` server that answers the GET with hand-written headers and then writes
 * pre-framed bytes straight to each socket (one write per socket per tick, no HTTP chunking).
 * @module
 */
import { createServer, type Socket } from 'node:net'
import { retryFrame } from '../../src/frame.js'
import { sseHeaders } from '../../src/sse/headers.js'
import { type BenchEvent, listenOn, RETRY_MS, type SseTarget, type TargetConfig, topicOf } from './target.js'
import { TopicSinks } from './topic-sinks.js'

/** The status line and durable-sse's SSE headers, by hand, then the first `retry:` frame. */
const RESPONSE_HEAD = `HTTP/1.1 200 OK\r\n${Object.entries(sseHeaders(true))
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('')}\r\n${retryFrame(RETRY_MS)}`

/** Starts the raw socket ceiling. */
export async function rawNetTarget(config: TargetConfig): Promise<SseTarget> {
  const sinks = new TopicSinks<Socket>((socket, chunk) => socket.write(chunk), config.heartbeatMs)
  // noDelay, as node:http sets on its sockets: without it Nagle's algorithm would hold small writes
  // back and coalesce them, trading latency for fewer syscalls, which no SSE server should do.
  const server = createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {})
    let head = ''
    const onData = (data: Buffer): void => {
      head += data.toString('latin1')
      if (!head.includes('\r\n\r\n')) return
      socket.off('data', onData)
      const topic = topicOf(head.slice(0, head.indexOf('\r\n')).split(' ')[1])
      socket.write(RESPONSE_HEAD)
      sinks.add(topic, socket)
      socket.on('close', () => sinks.remove(topic, socket))
    }
    socket.on('data', onData)
  })
  return {
    listen: () => listenOn(server),
    subscribers: () => sinks.size,
    publish: (events: readonly BenchEvent[]) => sinks.publish(events),
    errors: () => 0,
    stats: () => ({}),
  }
}
