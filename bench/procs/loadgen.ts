/**
 * A load-generator process: thousands of raw `net` SSE connections to one server, each scanned
 * minimally (frames with a publish timestamp are counted and their latency recorded from the
 * machine-wide clock). A configurable share of connections stalls (stops reading) to play slow
 * consumers; their frames are counted apart and never enter the latency histogram.
 * @module
 */
import { connect, type Socket } from 'node:net'
import { nowUs, sleep } from '../lib/clock.js'
import { encodeHistogram, type Histogram, newHistogram, recordUs } from '../lib/histogram.js'
import { FrameScanner } from '../lib/sse-scan.js'
import { serve } from '../lib/worker.js'

/** Arguments of `connect`. */
export interface ConnectCommand {
  /** Server port on 127.0.0.1. */
  port: number
  /** How many connections per topic. */
  groups: { topic: string; count: number }[]
  /** Every `stallEvery`-th connection stops reading after its first bytes (0: none). */
  stallEvery?: number
  /** Sent as `Last-Event-ID`. */
  lastEventId?: string
  /** Connections being opened at once. Default 200. */
  concurrency?: number
  /** Record latencies (off for replays of old events). Default true. */
  latency?: boolean
  /** Give up waiting for connections after this long, ms. Default 60,000. */
  timeoutMs?: number
}

/** What the connections received since the last `reset`. */
export interface LoadReport {
  /** Timestamped frames received by reading connections. */
  frames: number
  /** Timestamped frames received by stalled connections (before they stalled). */
  stalledFrames: number
  /** Bytes received. */
  bytes: number
  /** Reads (socket `data` events) that carried timestamped frames, on reading connections. */
  reads: number
  /** First and last timestamped frame, µs (0 when none). */
  firstUs: number
  lastUs: number
  /** When the last `connect` began, µs. */
  connectUs: number
  /** Encoded latency histogram (µs). */
  histogram: string
  /** Open, failed and closed connections. */
  open: number
  failed: number
  closed: number
  /** Whether `waitFrames` saw every expected frame. */
  complete?: boolean
}

interface Connection {
  socket: Socket
  topic: string
  stalled: boolean
  ok: boolean
}

const connections: Connection[] = []
let histogram: Histogram = newHistogram()
let frames = 0
let stalledFrames = 0
let bytes = 0
let reads = 0
let firstUs = 0
let lastUs = 0
let connectUs = 0
let failed = 0
let closed = 0
let recordLatency = true
let framesPerTopic = new Map<string, number>()

function reset(): void {
  histogram = newHistogram()
  frames = 0
  stalledFrames = 0
  bytes = 0
  reads = 0
  firstUs = 0
  lastUs = 0
  framesPerTopic = new Map()
}

function report(): LoadReport {
  return {
    frames,
    stalledFrames,
    bytes,
    reads,
    firstUs,
    lastUs,
    connectUs,
    histogram: encodeHistogram(histogram),
    open: connections.filter((c) => c.ok && !c.socket.destroyed).length,
    failed,
    closed,
  }
}

/** Opens one connection; resolves when its first bytes arrive (or it fails). */
function open(port: number, topic: string, stalled: boolean, lastEventId: string | undefined): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true })
    const connection: Connection = { socket, topic, stalled, ok: false }
    const scanner = new FrameScanner()
    let settled = false
    const settle = (ok: boolean): void => {
      if (settled) return
      settled = true
      connection.ok = ok
      if (ok) connections.push(connection)
      else failed++
      resolve()
    }
    socket.on('connect', () => {
      const resume = lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : ''
      socket.write(
        `GET /events?topic=${encodeURIComponent(topic)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${resume}\r\n`,
      )
    })
    socket.on('data', (chunk: Buffer) => {
      const now = nowUs()
      if (!settled) {
        const ok = chunk.subarray(0, 12).toString('latin1') === 'HTTP/1.1 200'
        settle(ok)
        if (!ok) return void socket.destroy()
        if (stalled) socket.pause()
      }
      bytes += chunk.length
      const got = scanner.feed(chunk, (t) => {
        if (recordLatency && !stalled) recordUs(histogram, now - t)
      })
      if (got === 0) return
      if (stalled) {
        stalledFrames += got
        return
      }
      frames += got
      reads++
      framesPerTopic.set(topic, (framesPerTopic.get(topic) ?? 0) + got)
      if (firstUs === 0) firstUs = now
      lastUs = now
    })
    socket.on('error', () => settle(false))
    socket.on('close', () => {
      closed++
      settle(false)
    })
  })
}

serve({
  connect: async (command: ConnectCommand) => {
    recordLatency = command.latency ?? true
    connectUs = nowUs()
    const queue: { topic: string; stalled: boolean }[] = []
    let index = connections.length
    for (const { topic, count } of command.groups) {
      for (let i = 0; i < count; i++, index++) {
        const stalled = !!command.stallEvery && index % command.stallEvery === command.stallEvery - 1
        queue.push({ topic, stalled })
      }
    }
    const deadline = Date.now() + (command.timeoutMs ?? 60_000)
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < queue.length && Date.now() < deadline) {
        const item = queue[next++] as { topic: string; stalled: boolean }
        await open(command.port, item.topic, item.stalled, command.lastEventId)
      }
    }
    await Promise.all(Array.from({ length: Math.min(command.concurrency ?? 200, queue.length) }, lane))
    return report()
  },
  reset: () => {
    reset()
    return {}
  },
  report: () => report(),
  waitFrames: async ({ expect, timeoutMs }: { expect: Record<string, number>; timeoutMs: number }) => {
    const wanted = new Map<string, number>()
    for (const c of connections) {
      if (c.stalled || c.socket.destroyed) continue
      wanted.set(c.topic, (wanted.get(c.topic) ?? 0) + (expect[c.topic] ?? 0))
    }
    const done = (): boolean => [...wanted].every(([topic, count]) => (framesPerTopic.get(topic) ?? 0) >= count)
    const deadline = Date.now() + timeoutMs
    while (!done() && Date.now() < deadline) await sleep(5)
    return { ...report(), complete: done() }
  },
  disconnect: async () => {
    const closing = connections.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.socket.destroyed) return resolve()
          c.socket.once('close', () => resolve())
          c.socket.destroy()
        }),
    )
    await Promise.all(closing)
    closed = 0
    failed = 0
    return {}
  },
})
