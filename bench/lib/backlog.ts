/**
 * Builds the SQLite file the replay scenario resumes from: the store's own schema (made by
 * `sqliteStore().migrate()`), then topics of N events inserted in bulk, in the store's format.
 * @module
 */
import Database from 'better-sqlite3'
import { sqliteStore } from '../../adapters/sqlite/index.js'
import { payload } from './payload.js'

/** What was written: the epoch and, per topic, the id to resume after to get the last `resume` events. */
export interface Backlog {
  epoch: string
  resumeAfter: Record<string, string>
}

/** Creates `filename` with `topics[name] = { events, resume }`: `events` rows, resume point `resume` before the head. */
export async function buildBacklog(
  filename: string,
  topics: Record<string, { events: number; resume: number }>,
  payloadBytes: number,
): Promise<Backlog> {
  const store = sqliteStore({ filename })
  await store.migrate()
  await store.close()
  const db = new Database(filename)
  db.pragma('journal_mode = WAL')
  const insert = db.prepare('INSERT INTO durable_sse_events (topic, type, data, created_at) VALUES (?, ?, ?, ?)')
  const data = JSON.stringify(payload(0, payloadBytes))
  const createdAt = new Date().toISOString()
  db.transaction(() => {
    for (const [topic, { events }] of Object.entries(topics))
      for (let i = 0; i < events; i++) insert.run(topic, 'tick', data, createdAt)
  })()
  const epoch = (db.prepare("SELECT value FROM durable_sse_meta WHERE key = 'epoch'").get() as { value: string }).value
  const resumeAfter: Record<string, string> = {}
  const before = db.prepare('SELECT id FROM durable_sse_events WHERE topic = ? ORDER BY id DESC LIMIT 1 OFFSET ?')
  for (const [topic, { events, resume }] of Object.entries(topics)) {
    const row = resume >= events ? undefined : (before.get(topic, resume) as { id: number } | undefined)
    resumeAfter[topic] = `${epoch}.${row?.id ?? 0}`
  }
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return { epoch, resumeAfter }
}
