/**
 * A fleet of load-generator processes acting as one: connections are split evenly across them
 * (each process stays far below the 20,000 open-files cap), reports are merged.
 * @module
 */
import type { ConnectCommand, LoadReport } from '../procs/loadgen.js'
import { type Child, startChild } from './child.js'
import { type Histogram, mergeEncoded } from './histogram.js'

/** A merged report of every load generator. */
export interface FleetReport extends Omit<LoadReport, 'histogram'> {
  /** Merged latency histogram (µs). */
  histogram: Histogram
}

/** Several load generators driven together. */
export class Fleet {
  private constructor(private readonly children: Child[]) {}

  /** Starts `size` load-generator processes. */
  static async start(size: number): Promise<Fleet> {
    const children = await Promise.all(
      Array.from({ length: size }, (_, i) =>
        startChild(`loadgen-${i}`, 'procs/loadgen.ts', {}, { nodeFlags: ['--max-old-space-size=2048'] }),
      ),
    )
    return new Fleet(children)
  }

  /** Opens the connections, each group split across the processes; resolves once all settled. */
  async connect(command: ConnectCommand): Promise<FleetReport> {
    const n = this.children.length
    const shares = split(command.groups, n)
    const reports = await Promise.all(
      this.children.map((child, j) =>
        child.request<LoadReport>(
          'connect',
          { ...command, groups: shares[j], concurrency: Math.ceil((command.concurrency ?? 200) / n) },
          (command.timeoutMs ?? 60_000) + 10_000,
        ),
      ),
    )
    return merge(reports)
  }

  /** Zeroes the counters and histograms. */
  async reset(): Promise<void> {
    await Promise.all(this.children.map((child) => child.request('reset')))
  }

  /** Current counters. */
  async report(): Promise<FleetReport> {
    return merge(await Promise.all(this.children.map((child) => child.request<LoadReport>('report'))))
  }

  /** Waits until every reading connection got `expect[topic]` frames (or the timeout). */
  async waitFrames(expect: Record<string, number>, timeoutMs: number): Promise<FleetReport> {
    return merge(
      await Promise.all(
        this.children.map((child) => child.request<LoadReport>('waitFrames', { expect, timeoutMs }, timeoutMs + 30_000)),
      ),
    )
  }

  /** Closes every connection. */
  async disconnect(): Promise<void> {
    await Promise.all(this.children.map((child) => child.request('disconnect', {}, 60_000)))
  }

  /** Stops the processes. */
  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()))
  }
}

/**
 * `groups` split across `n` processes: an even share of each group per process, the remainders
 * dealt round-robin across groups (so 20,000 groups of one connection land 10,000 per process).
 */
function split(groups: ConnectCommand['groups'], n: number): ConnectCommand['groups'][] {
  const shares: ConnectCommand['groups'][] = Array.from({ length: n }, () => [])
  let next = 0
  for (const { topic, count } of groups) {
    for (let j = 0; j < n; j++) {
      const share = Math.floor(count / n) + ((j - next + n) % n < count % n ? 1 : 0)
      if (share > 0) shares[j]?.push({ topic, count: share })
    }
    next = (next + count) % n
  }
  return shares
}

function merge(reports: LoadReport[]): FleetReport {
  const firsts = reports.map((r) => r.firstUs).filter((value) => value > 0)
  return {
    frames: reports.reduce((sum, r) => sum + r.frames, 0),
    stalledFrames: reports.reduce((sum, r) => sum + r.stalledFrames, 0),
    bytes: reports.reduce((sum, r) => sum + r.bytes, 0),
    reads: reports.reduce((sum, r) => sum + r.reads, 0),
    firstUs: firsts.length > 0 ? Math.min(...firsts) : 0,
    lastUs: Math.max(0, ...reports.map((r) => r.lastUs)),
    connectUs: Math.min(...reports.map((r) => r.connectUs)),
    histogram: mergeEncoded(reports.map((r) => r.histogram)),
    open: reports.reduce((sum, r) => sum + r.open, 0),
    failed: reports.reduce((sum, r) => sum + r.failed, 0),
    closed: reports.reduce((sum, r) => sum + r.closed, 0),
    complete: reports.every((r) => r.complete !== false),
  }
}
