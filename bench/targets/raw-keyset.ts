/**
 * The replay ceiling: `node:http` and better-sqlite3 by hand. A request with `Last-Event-ID`
 * gets the topic's rows after that id by keyset pages (`WHERE topic = ? AND id > ? ORDER BY id
 * LIMIT 500`), each page framed like durable-sse's frames and written with `res.write`, waiting
 * for `drain` when asked (bounded memory); then the response joins the topic's live sinks.
 * Publishing inserts the row and writes its frame to the live sinks.
 * @module
 */
import { createServer, type ServerResponse } from 'node:http'
import Database from 'better-sqlite3'
import { eventFrame, retryFrame } from '../../src/frame.js'
import { sseHeaders } from '../../src/sse/headers.js'
import { type BenchEvent, listenOn, RETRY_MS, type SseTarget, type TargetConfig, topicOf } from './target.js'
import { TopicSinks } from './topic-sinks.js'

const PAGE = 500

interface Row {
  id: number
  topic: string
  type: string
  data: string
  created_at: string
}

/** Starts the raw keyset server on the SQLite file of `config.store` (made by `sqliteStore().migrate()`). */
export async function rawKeysetTarget(config: TargetConfig): Promise<SseTarget> {
  if (config.store?.kind !== 'sqlite') throw new Error('raw-keyset needs a SQLite store file')
  const db = new Database(config.store.filename)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  const epoch = (db.prepare("SELECT value FROM durable_sse_meta WHERE key = 'epoch'").get() as { value: string }).value
  const page = db.prepare(
    'SELECT id, topic, type, data, created_at FROM durable_sse_events WHERE topic = ? AND id > ? ORDER BY id LIMIT ?',
  )
  const insert = db.prepare('INSERT INTO durable_sse_events (topic, type, data, created_at) VALUES (?, ?, ?, ?)')
  const frameOf = (row: Row): string =>
    eventFrame({ id: `${epoch}.${row.id}`, type: row.type, topic: row.topic, data: row.data, createdAt: row.created_at })
  const live = new TopicSinks<ServerResponse>((res, chunk) => res.write(chunk))
  let failures = 0

  const replay = async (res: ServerResponse, topic: string, after: number): Promise<void> => {
    let cursor = after
    for (;;) {
      const rows = page.all(topic, cursor, PAGE) as Row[]
      if (rows.length === 0) return
      cursor = (rows[rows.length - 1] as Row).id
      if (res.destroyed) return
      if (!res.write(rows.map(frameOf).join(''))) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off('drain', done)
            res.off('close', done)
            resolve()
          }
          res.on('drain', done)
          res.on('close', done)
        })
      }
      if (rows.length < PAGE) return
    }
  }

  const server = createServer((req, res) => {
    const topic = topicOf(req.url)
    const header = req.headers['last-event-id']
    const after = typeof header === 'string' ? Number(header.split('.')[1] ?? 0) : undefined
    res.on('error', () => {})
    res.writeHead(200, sseHeaders(true))
    res.write(retryFrame(RETRY_MS))
    const join = (): void => {
      if (res.destroyed) return
      live.add(topic, res)
      res.on('close', () => live.remove(topic, res))
    }
    if (after === undefined) join()
    else replay(res, topic, after).then(join, () => failures++)
  })

  return {
    listen: () => listenOn(server),
    subscribers: () => live.size,
    publish(events: readonly BenchEvent[]): void {
      const createdAt = new Date().toISOString()
      const byTopic = new Map<string, string>()
      for (const event of events) {
        const data = JSON.stringify(event.payload)
        const { lastInsertRowid } = insert.run(event.topic, 'tick', data, createdAt)
        const frame = eventFrame({ id: `${epoch}.${lastInsertRowid}`, type: 'tick', topic: event.topic, data, createdAt })
        byTopic.set(event.topic, (byTopic.get(event.topic) ?? '') + frame)
      }
      for (const [topic, text] of byTopic) live.write(topic, Buffer.from(text))
    },
    errors: () => failures,
    stats: () => ({}),
  }
}
