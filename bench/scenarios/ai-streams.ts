/**
 * Scenario `ai-streams` (issue 14): resumable AI streams (`durable-sse/ai`) at 50 concurrent
 * streams of 2,000 tokens. A producer process appends every stream's chunks; a resumer process
 * (another app instance) follows every stream live from before its first token. Measured: chunks
 * appended per second when the sources produce as fast as they can, and the produced → received
 * latency of each chunk, then and at a paced 100 tokens/s per stream (a fast model). On SQLite
 * and Postgres (NOTIFY); no peer runs (resumable-stream needs Redis, which this machine lacks).
 * Sizes per mode are in {@link aiStreamSizes}, here rather than in `lib/sizes.ts`.
 * @module
 */
import type { Mode } from '../lib/args.js'
import { type Child, startChild } from '../lib/child.js'
import type { RunContext } from '../lib/context.js'
import { mergeEncoded, summarize } from '../lib/histogram.js'
import { createSchema, dropSchema } from '../lib/postgres.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { rotate } from '../lib/stats.js'
import type { StoreConfig } from '../lib/stores.js'
import type { AiStreamsCollected, AiStreamsProduce, AiStreamsProduced, AiStreamsStart } from '../procs/ai-streams.js'

/** Sizes of the scenario. */
export interface AiStreamSizes {
  /** Concurrent streams. */
  streams: number
  /** Tokens (chunks) per stream. */
  tokens: number
  /** Pause between a stream's tokens in the paced phase, in ms. */
  pacedIntervalMs: number
}

/** The scenario's sizes in each mode (`smoke` stays tiny). */
export function aiStreamSizes(mode: Mode): AiStreamSizes {
  if (mode === 'smoke') return { streams: 2, tokens: 20, pacedIntervalMs: 10 }
  if (mode === 'quick') return { streams: 50, tokens: 300, pacedIntervalMs: 10 }
  return { streams: 50, tokens: 2_000, pacedIntervalMs: 10 }
}

/** One variant's two processes. */
interface Rig {
  producer: Child
  resumer: Child
}

/** Runs one phase: create the streams, have the resumer follow them, produce, collect. */
async function phase(rig: Rig, ids: string[], produce: AiStreamsProduce) {
  const timeoutMs = 120_000 + produce.tokens * Math.max(produce.intervalMs, 1) * 2
  await rig.producer.request('create', { ids }, timeoutMs)
  await rig.resumer.request('follow', { ids, tokens: produce.tokens }, timeoutMs)
  const produced = await rig.producer.request<AiStreamsProduced>('produce', produce, timeoutMs)
  const collected = await rig.resumer.request<AiStreamsCollected>('collect', {}, timeoutMs)
  return { produced, collected, latency: summarize(mergeEncoded([collected.histogram])) }
}

/** Runs the scenario on SQLite and, when a server answers, Postgres. */
export async function aiStreamsScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('ai-streams')) return []
  const sizes = aiStreamSizes(ctx.args.mode)
  const variants = ctx.postgresUrl ? ['ours-sqlite', 'ours-pg'] : ['ours-sqlite']
  const recorder = new ScenarioRecorder(
    'ai-streams',
    `Resumable AI streams: ${sizes.streams} concurrent streams of ${sizes.tokens.toLocaleString('en')} tokens, appended by one process, followed live by another`,
    variants,
    [],
    { ...sizes, pacedTokensPerSecPerStream: 1_000 / sizes.pacedIntervalMs },
  )
  recorder.metric('max.chunksPerSec', 'chunks appended/s, sources as fast as they can', '/s', 'higher')
  recorder.metric('max.p50', 'p50 chunk latency, produced → received by a resumer, sources as fast as they can', 'ms', 'lower')
  recorder.metric('max.p99', 'p99 chunk latency, sources as fast as they can', 'ms', 'lower')
  recorder.metric('paced.p50', `p50 chunk latency, ${1_000 / sizes.pacedIntervalMs} tokens/s per stream`, 'ms', 'lower')
  recorder.metric('paced.p99', `p99 chunk latency, ${1_000 / sizes.pacedIntervalMs} tokens/s per stream`, 'ms', 'lower')

  const rigs = new Map<string, Rig>()
  const schemas: string[] = []
  try {
    for (const variant of variants) {
      let store: StoreConfig = { kind: 'sqlite', filename: `${ctx.tmpDir}/ai-streams.db` }
      if (variant === 'ours-pg') {
        const schema = await createSchema('ai_streams', ctx.postgresUrl)
        schemas.push(schema)
        store = { kind: 'postgres', connectionString: ctx.postgresUrl as string, schema, notify: true }
      }
      const producer = await startChild(`ai-streams:${variant}:producer`, 'procs/ai-streams.ts', {
        store,
      } satisfies AiStreamsStart)
      const resumer = await startChild(`ai-streams:${variant}:resumer`, 'procs/ai-streams.ts', {
        store,
      } satisfies AiStreamsStart)
      rigs.set(variant, { producer, resumer })
    }
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const variant of rotate(variants, rep)) {
        const rig = rigs.get(variant) as Rig
        const ids = (name: string) => Array.from({ length: sizes.streams }, (_, i) => `${name}-${rep}-${i}`)
        try {
          const max = await phase(rig, ids('max'), { tokens: sizes.tokens, intervalMs: 0 })
          const paced = await phase(rig, ids('paced'), { tokens: sizes.tokens, intervalMs: sizes.pacedIntervalMs })
          recorder.add(variant, 'max.chunksPerSec', (max.produced.chunks / max.produced.elapsedMs) * 1_000)
          recorder.add(variant, 'max.p50', max.latency.p50)
          recorder.add(variant, 'max.p99', max.latency.p99)
          recorder.add(variant, 'paced.p50', paced.latency.p50)
          recorder.add(variant, 'paced.p99', paced.latency.p99)
          for (const [name, result] of [
            ['max', max],
            ['paced', paced],
          ] as const) {
            if (result.collected.broken > 0) {
              recorder.notes.push(`${variant} rep ${rep + 1} ${name}: ${result.collected.broken} streams failed to arrive whole`)
            }
          }
          ctx.log(
            `  ai-streams rep ${rep + 1} ${variant}: ${Math.round((max.produced.chunks / max.produced.elapsedMs) * 1_000)} chunks/s, ` +
              `p99 ${max.latency.p99} ms at max, ${paced.latency.p99} ms paced`,
          )
        } catch (error) {
          recorder.notes.push(`${variant} rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`)
          ctx.log(`  ai-streams rep ${rep + 1} ${variant} FAILED`)
        }
      }
    }
  } finally {
    for (const rig of rigs.values()) await Promise.all([rig.producer.stop(), rig.resumer.stop()])
    for (const schema of schemas) await dropSchema(schema, ctx.postgresUrl)
  }
  return [recorder.result()]
}
