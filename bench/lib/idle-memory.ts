/**
 * The idle-memory method of the memory scenarios: connect a small number of SSE connections, read
 * the server's memory after full GCs, connect the rest, read again; the difference over the
 * difference in connections is the cost of one idle connection (fixed costs, the first request
 * and JIT, fall before the first reading and cancel out).
 * @module
 */
import type { Child } from './child.js'
import { sleep } from './clock.js'
import type { Fleet } from './fleet.js'
import type { MemorySnapshot } from './memory.js'

/** Memory per idle connection, bytes. */
export interface IdleMemory {
  /** V8 heap in use. */
  heap: number
  /** Resident set size. */
  rss: number
  /** External and ArrayBuffer memory (Buffers). */
  buffers: number
}

/** Connections before the first reading, for `subscribers` in all. */
export function baselineConnections(subscribers: number): number {
  return Math.min(100, Math.floor(subscribers / 10))
}

/** Connects `subscribers` connections to `topic` on `server` in two steps and returns the memory each one costs. */
export async function idleMemoryPerConnection(
  server: Child,
  port: number,
  fleet: Fleet,
  subscribers: number,
  topic = 't0',
): Promise<IdleMemory> {
  const first = baselineConnections(subscribers)
  const connectAndSettle = async (count: number, total: number): Promise<MemorySnapshot> => {
    await fleet.connect({ port, groups: [{ topic, count }] })
    const { subscribers: registered } = await server.request<{ subscribers: number }>('waitSubscribers', {
      count: total,
      timeoutMs: 30_000,
    })
    if (registered < total) throw new Error(`${registered}/${total} subscribers registered`)
    await sleep(50)
    return server.request<MemorySnapshot>('memory')
  }
  const base = await connectAndSettle(first, first)
  const full = await connectAndSettle(subscribers - first, subscribers)
  const per = (key: keyof MemorySnapshot): number => (full[key] - base[key]) / (subscribers - first)
  return { heap: per('heapUsed'), rss: per('rss'), buffers: per('external') + per('arrayBuffers') }
}
