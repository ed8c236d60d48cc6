/**
 * How many reads the app processes' read replicas answered, and how many went to the primary
 * instead (`broker.stats().reads`, Postgres with `replica`), summed over processes; a difference
 * of two counts is what a trial did.
 * @module
 */
import { scratchPostgresUnavailable } from '../../test/helpers/scratch-postgres.js'
import type { Child } from './child.js'
import type { RunContext } from './context.js'
import type { ScenarioRecorder } from './results.js'

/** Reads answered by replicas, and reads that tried one and went to the primary. */
export interface ReplicaReadCount {
  /** Reads a replica answered. */
  reads: number
  /** Reads that went to the primary instead (the replica was behind for too long, or failed). */
  fallbacks: number
}

/** The part of `broker.stats()` read here (absent before the store had replicas). */
interface ReadsStats {
  reads?: { replicas?: ReadonlyArray<{ reads: number; fallbacks: number }> }
}

/** The counts of every server process in `servers` (each answers `stats` with its broker's stats). */
export async function countReplicaReads(servers: readonly Child[]): Promise<ReplicaReadCount> {
  const stats = await Promise.all(servers.map((server) => server.request<ReadsStats>('stats')))
  const replicas = stats.flatMap((s) => s.reads?.replicas ?? [])
  return {
    reads: replicas.reduce((sum, r) => sum + r.reads, 0),
    fallbacks: replicas.reduce((sum, r) => sum + r.fallbacks, 0),
  }
}

/** What happened between two counts. */
export function readsBetween(before: ReplicaReadCount, after: ReplicaReadCount): ReplicaReadCount {
  return { reads: after.reads - before.reads, fallbacks: after.fallbacks - before.fallbacks }
}

/** Declares the two replica-read rows (`replicaReads`, `fallbacks`), the last of a replica scenario's metrics; `answered` names who answered. */
export function replicaReadMetrics(recorder: ScenarioRecorder, answered: string): void {
  recorder.metric('replicaReads', answered, '', 'higher')
  recorder.metric('fallbacks', 'reads that tried the replica and went to the primary', '', 'lower')
}

/** Whether scenario `id` cannot run here (no PostgreSQL server binaries for its scratch cluster): noted and logged if so. */
export function skippedWithoutScratch(recorder: ScenarioRecorder, ctx: RunContext, id: string): boolean {
  if (scratchPostgresUnavailable === undefined) return false
  recorder.notes.push(`skipped: ${scratchPostgresUnavailable}`)
  ctx.log(`${id}: skipped (${scratchPostgresUnavailable})`)
  return true
}
