/**
 * The live list of received events of every topic of the stream, newest first, with a marker
 * where a topic was reset.
 * @module
 */
import type { EventOf } from '../../../src/client/index.js'
import type { DemoEvents } from '../events.js'

/** One row of the list: an event, or the place where one topic of the stream was reset. */
export type Row = { kind: 'event'; event: EventOf<DemoEvents> } | { kind: 'reset'; key: string; reason: string; topic: string }

function time(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime())
    ? iso
    : `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

/**
 * Lists rows newest first; each event row carries `data-event-id`, `data-topic` and `data-type`
 * (an event id orders events within its topic: two topics may have events with the same id).
 */
export function EventList({ rows }: { rows: readonly Row[] }) {
  if (rows.length === 0) return <p className="empty">No events yet. Publish one with the form.</p>
  return (
    <ol className="events" data-testid="events">
      {rows.map((row) =>
        row.kind === 'reset' ? (
          <li key={row.key} className="marker" data-topic={row.topic}>
            {row.topic} reset ({row.reason}): refetched
          </li>
        ) : (
          <li
            key={`${row.event.topic} ${row.event.id}`}
            data-event-id={row.event.id}
            data-topic={row.event.topic}
            data-type={row.event.type}
          >
            <span className="id mono" title={row.event.id}>
              {row.event.id}
            </span>
            <span className="topic mono" data-testid="topic">
              {row.event.topic}
            </span>
            <span>
              <span className={`badge ${row.event.type}`}>{row.event.type}</span>
            </span>
            <span className="payload mono" data-testid="payload">
              {JSON.stringify(row.event.payload)}
            </span>
            <time className="time mono" dateTime={row.event.createdAt}>
              {time(row.event.createdAt)}
            </time>
          </li>
        ),
      )}
    </ol>
  )
}
