/**
 * Variant names of the SSE scenarios and the server each one runs.
 * @module
 */
import { join } from 'node:path'
import type { TargetConfig } from '../targets/target.js'

/** Short descriptions used in BENCHMARKS.md. */
export const VARIANT_NOTES: Record<string, string> = {
  ours: 'durable-sse, memory store, `broker.handle()` on node:http',
  'ours-sqlite': 'durable-sse, SQLite file store',
  'ours-filter': 'durable-sse, memory store, each stream with a `filter` that passes every event',
  'ours-otel':
    'durable-sse, memory store, with an OpenTelemetry SDK registered (tracer provider and meter provider, in-memory exporters)',
  'ours-exp-*': 'durable-sse from a patched copy (`BENCH_EXP_SRC`), memory store: optimisation experiments',
  'raw-net': 'ceiling: raw `net` server, pre-framed bytes, one `socket.write` per socket per tick',
  'raw-http': 'ceiling 2: node:http `res.write` of the same pre-framed bytes (chunked encoding)',
  'better-sse': 'peer: better-sse 0.16 sessions on a `Channel`, `channel.broadcast()` per event',
  'ours-sqlite-x100': 'durable-sse on SQLite, each call `broker.publish([...100 events])` (one transaction per call)',
  'raw-sqlite-1': 'raw better-sqlite3: one `INSERT` per `BEGIN IMMEDIATE` transaction, same table and pragmas as ours',
  'raw-sqlite-100': 'raw better-sqlite3: 100 `INSERT`s of one topic per transaction (rows/s)',
  'raw-sqlite-16t':
    "raw better-sqlite3: 16 `INSERT`s of 16 different topics per transaction, the shape of ours' group commit with 16 publishers (rows/s)",
  'ours-pg': 'durable-sse on Postgres, NOTIFY on (`broker.publish()`, group commit)',
  'ours-pg-poll': 'durable-sse on Postgres, `notify: false`',
  'raw-pg': 'raw `pg` pool: one autocommit `INSERT` per publish into a bigserial table',
  'raw-pg-notify': 'raw `pg`: `INSERT` + `pg_notify` in one statement',
  'ours-pg-notify': 'cross-process: A and B on Postgres with NOTIFY',
  'ours-mysql': 'durable-sse on MySQL / MariaDB (`broker.publish()`, group commit; cross-process: the change cursor every 25 ms)',
  'raw-mysql': 'raw `mysql2` pool: one autocommit `INSERT` per publish into an AUTO_INCREMENT table of the same shape',
  'raw-notify': 'floor: raw `SELECT pg_notify()` in A, a `pg.Client` LISTENing in B (no SSE hop)',
  'raw-insert-notify': 'floor 2: raw `INSERT` + `pg_notify` in one statement, LISTEN in B',
  'raw-keyset': 'replay ceiling: node:http + better-sqlite3 keyset pages of 500 framed like ours, `res.write` with drain',
  'ours-stalled / ours-none': 'durable-sse on SQLite with 1% / 0% of subscribers stalled (paused sockets)',
  'ours@N':
    'many-topics: durable-sse in one app process tailing N topics, one subscriber each; `ours-exp-baseline@N`: the same on the `--baseline` commit',
  'ours-10t / ours-10t-own':
    'multi-topic: durable-sse, memory store, each connection one stream over 10 topics (the published one and 9 quiet ones, the same 9 for every stream / its own 9); `ours-exp-baseline-10t`, `-10t-own`: the same on the `--baseline` commit',
  'primary-only / with-replica':
    'replica-storm: the app processes on `postgresStore({ connectionString })` / with `replica` (catch-up pages read on the streaming replica)',
  'notify / bus (-replica)':
    'replica-xproc: B woken by NOTIFY / by a NATS bus carrying the events (`notify: false`); `-replica`: the same with `replica` (reads on the streaming replica)',
  'N processes':
    'processes: N app processes (durable-sse on one Postgres with NOTIFY, SSE over node:http), each tailing every topic',
}

/** `20000` → `20k`, `19900` → `19.9k`, `100` → `100`. */
export function shortCount(n: number): string {
  return n >= 1_000 ? `${n / 1_000}k` : String(n)
}

/** The column of `variant` tailing `topics` topics in the many-topics tables: `ours@20k`. */
export function atTopics(variant: string, topics: number): string {
  return `${variant}@${shortCount(topics)}`
}

/** The column of `count` app processes in the processes table. */
export function processesColumn(count: number): string {
  return `${count} process${count === 1 ? '' : 'es'}`
}

let files = 0

/**
 * The quiet topics of a stream over several topics: `-10t` (its topic and 9 quiet ones, the same 9
 * for every stream) or `-10t-own` (9 of its own) at the end of `ours` or `ours-exp-NAME`.
 */
function quietTopicsOf(variant: string): TargetConfig['quietTopics'] {
  const match = /-(\d+)t(-own)?$/.exec(variant)
  return match ? { count: Number(match[1]) - 1, perStream: match[2] !== undefined } : undefined
}

/** The server configuration of `variant`; SQLite variants get a fresh file under `tmpDir`. */
export function targetFor(variant: string, tmpDir: string, extra: Partial<TargetConfig> = {}): TargetConfig {
  const quietTopics = quietTopicsOf(variant)
  const quiet = quietTopics ? { quietTopics } : {}
  if (variant.startsWith('ours-exp')) {
    const experimental = variant.slice('ours-exp-'.length).replace(/-\d+t(-own)?$/, '')
    return { kind: 'ours', store: { kind: 'memory' }, experimental, ...quiet, ...extra }
  }
  if (quietTopics && variant.startsWith('ours-')) return { kind: 'ours', store: { kind: 'memory' }, quietTopics, ...extra }
  switch (variant) {
    case 'ours':
      return { kind: 'ours', store: { kind: 'memory' }, ...extra }
    case 'ours-filter':
      return { kind: 'ours', store: { kind: 'memory' }, filter: true, ...extra }
    case 'ours-otel':
      return { kind: 'ours', store: { kind: 'memory' }, telemetry: true, ...extra }
    case 'ours-sqlite':
      return { kind: 'ours', store: { kind: 'sqlite', filename: join(tmpDir, `fanout-${process.pid}-${files++}.db`) }, ...extra }
    case 'raw-net':
    case 'raw-http':
    case 'better-sse':
      return { kind: variant, ...extra }
    default:
      throw new Error(`unknown variant ${variant}`)
  }
}
