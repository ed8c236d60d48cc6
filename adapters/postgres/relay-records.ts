/**
 * The relay's rows as the store's events: the events table's columns (text, as `pgoutput` sends
 * them) made into `EventRecord`s with the store's `epoch.seq` ids, each topic's events
 * consecutive and oldest first (one statement inserts a transaction's rows in no promised order).
 * @module
 */
import type { EventRecord } from '../../src/event.js'
import { formatEventId } from '../../src/event-id.js'
import type { CommittedRow } from './relay-stream.js'

/** `created_at` as the relay's session writes it (`DateStyle=ISO`, `TimeZone=UTC`: `2026-12-06 22:30:29.12+00`), as ISO 8601 with milliseconds. */
function isoTime(text: string): string {
  return new Date(`${text.replace(' ', 'T').replace(/\+00$/, '')}Z`).toISOString()
}

/** The events of one committed transaction, grouped by topic (in order of first appearance), each topic by position. */
export function relayRecords(rows: readonly CommittedRow[], epoch: string): EventRecord[] {
  const byTopic = new Map<string, CommittedRow[]>()
  for (const row of rows) {
    const topic = row.topic as string
    const list = byTopic.get(topic)
    if (list === undefined) byTopic.set(topic, [row])
    else list.push(row)
  }
  const records: EventRecord[] = []
  for (const [topic, list] of byTopic) {
    list.sort((a, b) => Number(a.seq) - Number(b.seq))
    for (const row of list) {
      const record: EventRecord = {
        topic,
        type: row.type as string,
        data: row.data as string,
        id: formatEventId(epoch, row.seq as string),
        createdAt: isoTime(row.created_at as string),
      }
      if (typeof row.trace_context === 'string') record.traceContext = row.trace_context
      records.push(record)
    }
  }
  return records
}
