/**
 * Rows written into the events table by another program, between valid ones: nothing of them
 * reaches the wire, each is reported once as a `CorruptEventError`, and the valid neighbours are
 * delivered live and on replay, in order. On a real SQLite file and the real Postgres server.
 */
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sqliteStore } from '../adapters/sqlite/index.js'
import { type Broker, CorruptEventError, createBroker, type EventStore, parseEventId } from '../src/index.js'
import { describePostgres, type PostgresTestDatabase, uniqueTopic } from './helpers/postgres.js'
import { httpServer, type Running } from './helpers/servers.js'
import { tempDir } from './helpers/stores.js'
import { take, until } from './helpers/wait.js'

/** What a foreign program writes, in one transaction, oldest first: valid rows around three corrupt ones. */
const ROWS: ReadonlyArray<{ type: string; data: string }> = [
  { type: 'ok', data: '{"n":1}' },
  { type: 'ok', data: '{"n":"P"}\n\nevent: evil\ndata: x' },
  { type: 'ok', data: '{"n":2}' },
  { type: 'ok', data: '{not json' },
  { type: 'ok', data: '{"n":3}' },
  { type: 'ev\nevent: evil2', data: '{"n":"T"}' },
  { type: 'ok', data: '{"n":4}' },
]
const VALID = [1, 2, 3, 4]
/** Rows that are all corrupt: with `batchSize` 2, a catch-up page holds nothing else. */
const ONLY_CORRUPT = [ROWS[1], ROWS[3]] as Array<{ type: string; data: string }>
type Rows = ReadonlyArray<{ type: string; data: string }>

/** An SSE stream read with `fetch`: the raw text that arrived, and the messages a WHATWG parser made of it. */
interface WireReader {
  text: () => string
  messages: EventSourceMessage[]
  close(): void
}

function readWire(url: string, lastEventId?: string): WireReader {
  const controller = new AbortController()
  const messages: EventSourceMessage[] = []
  const parser = createParser({ onEvent: (message) => messages.push(message) })
  let text = ''
  void (async () => {
    const response = await fetch(url, { signal: controller.signal, headers: lastEventId ? { 'last-event-id': lastEventId } : {} })
    const decoder = new TextDecoder()
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      const part = decoder.decode(chunk, { stream: true })
      text += part
      parser.feed(part)
    }
  })().catch(() => {})
  return { text: () => text, messages, close: () => controller.abort() }
}

const payloadsOf = (messages: EventSourceMessage[]): unknown[] =>
  messages.filter((message) => message.event === 'ok').map((message) => JSON.parse(message.data).payload.n)

/** The behaviour, for a store and a way to write the rows behind its back. */
function corruptRowSuite(
  setup: () => Promise<{ store: EventStore; writeRows(topic: string, rows: Rows): Promise<void>; dispose(): Promise<void> }>,
) {
  let store: EventStore
  let writeRows: (topic: string, rows: Rows) => Promise<void>
  let dispose: () => Promise<void>
  let broker: Broker
  let server: Running
  let errors: unknown[]
  let unhandled: unknown[]
  const onUnhandled = (reason: unknown) => unhandled.push(reason)

  beforeEach(async () => {
    ;({ store, writeRows, dispose } = await setup())
    errors = []
    unhandled = []
    process.on('unhandledRejection', onUnhandled)
    // batchSize 2: live reads and catch-up pages are cut between and around the corrupt rows.
    broker = createBroker(store, { pollIntervalMs: 50, batchSize: 2, onError: (error) => errors.push(error) })
    server = await httpServer((req, res) => {
      const topic = new URL(req.url ?? '/', 'http://x').searchParams.get('topic') as string
      return broker.handle(req, res, { topic })
    })
  })
  afterEach(async () => {
    await broker.close()
    await server.close()
    await dispose()
    process.off('unhandledRejection', onUnhandled)
  })

  it('skips the corrupt rows live and on replay, reports each once, and delivers the valid ones in order', async () => {
    const topic = uniqueTopic('corrupt')
    const live = readWire(`${server.url}/?topic=${topic}`)
    await until(() => live.messages.some((message) => message.event === 'connected'), 5_000, 'connected')
    await writeRows(topic, ROWS)
    await broker.publish({ topic, type: 'ok', payload: { n: 5 } })
    await until(() => payloadsOf(live.messages).length === 5, 5_000, 'the valid events live')
    expect(payloadsOf(live.messages)).toEqual([...VALID, 5])

    const replay = readWire(`${server.url}/?topic=${topic}`, `${parseEventId(live.messages[0]?.id ?? '')?.epoch}.0`)
    await until(() => payloadsOf(replay.messages).length === 5, 5_000, 'the valid events on replay')
    expect(payloadsOf(replay.messages)).toEqual([...VALID, 5])

    const iterated = await take(broker.subscribe(topic, { after: replay.messages.find((m) => m.event === 'connected')?.id }), 5)
    expect(iterated.map((event) => (event.payload as { n: number }).n)).toEqual([...VALID, 5])

    for (const wire of [live, replay]) {
      expect(wire.text()).not.toMatch(/evil|not json|"P"|"T"/)
      for (const message of wire.messages) expect(() => JSON.parse(message.data)).not.toThrow()
      wire.close()
    }
    const corrupt = errors.filter((error) => error instanceof CorruptEventError) as CorruptEventError[]
    expect(corrupt.map((error) => [error.code, error.topic, parseEventId(error.id)?.seq])).toEqual([
      ['CORRUPT_EVENT', topic, 2],
      ['CORRUPT_EVENT', topic, 4],
      ['CORRUPT_EVENT', topic, 6],
    ])
    expect(errors).toHaveLength(3)
    expect(unhandled).toEqual([])
  })

  it('moves past reads and catch-up pages of nothing but corrupt rows', async () => {
    const topic = uniqueTopic('only-corrupt')
    const live = readWire(`${server.url}/?topic=${topic}`)
    await until(() => live.messages.some((message) => message.event === 'connected'), 5_000, 'connected')
    const start = live.messages.find((message) => message.event === 'connected')?.id as string
    await writeRows(topic, ONLY_CORRUPT)
    await until(() => errors.length === 2, 5_000, 'both corrupt rows reported')
    await broker.publish({ topic, type: 'ok', payload: { n: 5 } })
    await until(() => payloadsOf(live.messages).length === 1, 5_000, 'the valid event live')
    const replay = readWire(`${server.url}/?topic=${topic}`, start)
    await until(() => payloadsOf(replay.messages).length === 1, 5_000, 'the valid event on replay')
    await broker.publish({ topic, type: 'ok', payload: { n: 6 } })
    await until(() => payloadsOf(replay.messages).length === 2 && payloadsOf(live.messages).length === 2, 5_000, 'live again')
    expect(payloadsOf(live.messages)).toEqual([5, 6])
    expect(payloadsOf(replay.messages)).toEqual([5, 6])
    live.close()
    replay.close()
    expect(unhandled).toEqual([])
  })
}

describe('corrupt rows on SQLite', () => {
  corruptRowSuite(async () => {
    const temp = tempDir()
    const filename = join(temp.dir, 'events.db')
    const store = sqliteStore({ filename })
    await store.migrate()
    return {
      store,
      async writeRows(topic, rows) {
        const foreign = new Database(filename)
        const insert = foreign.prepare('INSERT INTO durable_sse_events (topic, type, data, created_at) VALUES (?, ?, ?, ?)')
        foreign.transaction(() => {
          for (const row of rows) insert.run(topic, row.type, row.data, new Date().toISOString())
        })()
        foreign.close()
      },
      async dispose() {
        await store.close()
        temp.remove()
      },
    }
  })
})

describePostgres('corrupt rows on Postgres', (database: PostgresTestDatabase) => {
  corruptRowSuite(async () => {
    const store = await database.store()
    const table = (name: string) => `"${database.schema}"."durable_sse_${name}"`
    return {
      store,
      async writeRows(topic, rows) {
        const client = await database.pool.connect()
        try {
          await client.query('BEGIN')
          const [row] = (
            await client.query(
              `INSERT INTO ${table('streams')} AS s (topic, head) VALUES ($1, $2) ON CONFLICT (topic) DO UPDATE SET head = s.head + $2 RETURNING head::int`,
              [topic, rows.length],
            )
          ).rows as [{ head: number }]
          const first = row.head - rows.length + 1
          for (const [i, { type, data }] of rows.entries()) {
            await client.query(`INSERT INTO ${table('events')} (topic, seq, type, data) VALUES ($1, $2, $3, $4)`, [
              topic,
              first + i,
              type,
              data,
            ])
          }
          await client.query('COMMIT')
        } finally {
          client.release()
        }
      },
      dispose: async () => {},
    }
  })
})
