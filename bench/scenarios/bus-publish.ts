/**
 * Issue 20, target 1: publish throughput on Postgres with several publisher processes (16
 * concurrent publishers each, distinct topics, a small pool each: the server's 100 connections are
 * shared). The same load with NOTIFY, with `notify: false` and no bus (the ceiling: nothing in the
 * commit path), and with `notify: false` and a NATS bus (the events sent after the commit). One
 * set of processes per measurement, started fresh; variants alternate between repetitions.
 * @module
 */
import { type Child, startChild } from '../lib/child.js'
import type { RunContext } from '../lib/context.js'
import { startNatsServer } from '../lib/nats-server.js'
import { createSchema, dropSchema } from '../lib/postgres.js'
import { ScenarioRecorder, type ScenarioResult } from '../lib/results.js'
import { rotate } from '../lib/stats.js'
import type { PublisherStart } from '../procs/publisher.js'

const VARIANTS = ['ours-pg-bus', 'ours-pg', 'ours-pg-poll']
/** Concurrent publishers per process. */
const PUBLISHERS = 16
const PAYLOAD_BYTES = 256

/** Runs the publish-throughput-by-processes scenario (needs Postgres and nats-server). */
export async function busPublishScenario(ctx: RunContext, selected: (id: string) => boolean): Promise<ScenarioResult[]> {
  if (!selected('bus-publish')) return []
  const url = ctx.postgresUrl
  if (!url) {
    ctx.log('bus-publish: skipped (no Postgres)')
    return []
  }
  const { processes, durationMs } = ctx.sizes.busPublish
  const recorder = new ScenarioRecorder(
    'bus-publish',
    `Publish throughput by publisher processes (${PUBLISHERS} concurrent publishers each, distinct topics): NATS bus vs NOTIFY vs neither`,
    VARIANTS,
    [
      { label: 'bus / NOTIFY', a: 'ours-pg-bus', b: 'ours-pg' },
      { label: 'bus / no NOTIFY, no bus', a: 'ours-pg-bus', b: 'ours-pg-poll' },
      { label: 'no NOTIFY / NOTIFY (the ceiling)', a: 'ours-pg-poll', b: 'ours-pg' },
    ],
    { processes, publishersPerProcess: PUBLISHERS, durationMs, payloadBytes: PAYLOAD_BYTES, poolMaxPerProcess: 2 },
  )
  for (const n of processes) recorder.metric(`n${n}.perSec`, `events/s, ${n} process${n > 1 ? 'es' : ''}`, '/s', 'higher')
  const nats = await startNatsServer()
  const schemas = new Map<string, string>()
  try {
    for (const variant of VARIANTS) schemas.set(variant, await createSchema(variant.replaceAll('-', '_'), url))
    let run = 0
    for (let rep = 0; rep < ctx.reps; rep++) {
      for (const n of processes) {
        const line: string[] = []
        for (const variant of rotate(VARIANTS, rep + n)) {
          const children: Child[] = []
          try {
            run++
            for (let i = 0; i < n; i++) {
              const start: PublisherStart = {
                variant,
                tmpDir: ctx.tmpDir,
                postgresUrl: url,
                schema: schemas.get(variant),
                bus: nats.url,
                poolMax: 2,
                topicPrefix: `r${run}x${i}-`,
              }
              children.push(await startChild(`bus-publish:${variant}:${n}:${i}`, 'procs/publisher.ts', start))
            }
            const results = await Promise.all(
              children.map((child) =>
                child.request<{ perSec: number; errors: number }>(
                  'run',
                  { publishers: PUBLISHERS, durationMs, payloadBytes: PAYLOAD_BYTES },
                  durationMs + 60_000,
                ),
              ),
            )
            const perSec = results.reduce((sum, result) => sum + result.perSec, 0)
            const errors = results.reduce((sum, result) => sum + result.errors, 0)
            recorder.add(variant, `n${n}.perSec`, perSec)
            if (errors > 0) recorder.notes.push(`${variant} with ${n} processes: ${errors} failed publishes`)
            line.push(`${variant} ${Math.round(perSec)}/s`)
          } catch (error) {
            recorder.notes.push(
              `${variant} with ${n} processes rep ${rep + 1} failed: ${(error as Error).message.split('\n')[0]}`,
            )
            line.push(`${variant} FAILED`)
          } finally {
            await Promise.all(children.map((child) => child.stop()))
          }
        }
        ctx.log(`  bus-publish rep ${rep + 1}, ${n} processes: ${line.join(', ')}`)
      }
    }
  } finally {
    await nats.stop()
    for (const schema of schemas.values()) await dropSchema(schema, url)
  }
  return [recorder.result()]
}
