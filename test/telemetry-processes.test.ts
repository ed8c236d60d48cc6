/**
 * A trace across processes: a publish inside an active span in one process, delivered over SSE by
 * another (each with its own OpenTelemetry SDK and broker, on one SQLite file, one Postgres
 * schema or one MySQL database). The publisher exports `publish <topic>` as a child of the caller's span; the serving
 * process exports `deliver <topic>` linked to it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterEach, describe, expect, it } from 'vitest'
import { describeMysql } from './helpers/mysql.js'
import { DATABASE_URL, describePostgres } from './helpers/postgres.js'
import { recordingClient } from './helpers/sse-client.js'
import { tempDir } from './helpers/stores.js'

/** A span as the fixture prints it. */
interface DumpedSpan {
  name: string
  traceId: string
  spanId: string
  parentSpanId?: string
  links: Array<{ traceId: string; spanId: string }>
}

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Starts the fixture; its stdout lines arrive in `lines` (and wake `next`). */
function start(args: string[]): {
  child: ChildProcessWithoutNullStreams
  line: (match: (line: string) => boolean) => Promise<string>
  lines: string[]
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/otel-process.ts', ...args])
  child.stderr.pipe(process.stderr)
  cleanups.push(() => child.kill())
  const lines: string[] = []
  const waiting = new Set<() => void>()
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line)
    for (const wake of waiting) wake()
  })
  const line = (match: (line: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const found = lines.find(match)
        if (found === undefined) return
        waiting.delete(check)
        resolve(found)
      }
      child.once('exit', (code) =>
        reject(new Error(`the fixture exited (${code}) before the line; it printed ${JSON.stringify(lines)}`)),
      )
      waiting.add(check)
      check()
    })
  return { child, line, lines }
}

const spansOf = (lines: readonly string[]): DumpedSpan[] =>
  lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as DumpedSpan)

/** Serve in one process, publish in another, and check both processes' spans. */
async function traceAcrossProcesses(storeArgs: string[]): Promise<void> {
  const topic = 'things'
  const server = start(['serve', ...storeArgs, topic])
  const port = Number((await server.line((l) => l.startsWith('port '))).slice('port '.length))
  const client = recordingClient(`http://127.0.0.1:${port}/`, ['thing_created'])
  cleanups.push(() => client.close())
  await client.until((received) => received.some((m) => m.type === 'connected'), 20_000)

  const publisher = start(['publish', ...storeArgs, topic])
  const exited = new Promise<number | null>((resolve) => publisher.child.on('exit', resolve))
  await client.until(() => client.events().length === 1, 20_000)
  expect(await exited).toBe(0)
  server.child.stdin.write('dump\n')
  await server.line((l) => l === 'done')

  const published = spansOf(publisher.lines)
  const request = published.find((span) => span.name === 'POST /api/things')
  const publish = published.find((span) => span.name === `publish ${topic}`)
  expect(request).toBeDefined()
  expect(publish).toMatchObject({ traceId: request?.traceId, parentSpanId: request?.spanId }) // a child of the caller's span

  const deliver = spansOf(server.lines).filter((span) => span.name === `deliver ${topic}`)
  expect(deliver.length).toBeGreaterThanOrEqual(1)
  expect(deliver.flatMap((span) => span.links)).toContainEqual({ traceId: publish?.traceId, spanId: publish?.spanId })
}

describe('a trace across processes', () => {
  it('SQLite: publish <topic> in the publisher, deliver <topic> linked to it in the SSE process', async () => {
    const temp = tempDir()
    cleanups.push(temp.remove)
    await traceAcrossProcesses(['sqlite', join(temp.dir, 'events.db')])
  }, 60_000)
})

describePostgres('a trace across processes on Postgres', (database) => {
  it('publish <topic> in the publisher, deliver <topic> linked to it in the SSE process', async () => {
    await traceAcrossProcesses(['postgres', DATABASE_URL, database.schema])
  }, 60_000)
})

describeMysql('a trace across processes on MySQL', (database) => {
  it('publish <topic> in the publisher, deliver <topic> linked to it in the SSE process', async () => {
    await traceAcrossProcesses(['mysql', database.url])
  }, 60_000)
})
