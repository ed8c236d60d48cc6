/**
 * The live list of received events, newest first, with a marker where a reset happened.
 * @module
 */
import type { EventOf } from '../../../src/client/index.js'
import type { AppEvents } from '../../shared/events.js'

/** One row of the list: an event, or the place where the stream was reset. */
export type Row = { kind: 'event'; event: EventOf<AppEvents> } | { kind: 'reset'; key: string; reason: string }

function time(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime())
    ? iso
    : `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

/** Lists rows newest first; each event row carries `data-event-id` and `data-type`. */
export function EventList({ rows }: { rows: readonly Row[] }) {
  if (rows.length === 0) return <p className="empty">No events yet. Publish one with the form.</p>
  return (
    <ol className="events" data-testid="events">
      {rows.map((row) =>
        row.kind === 'reset' ? (
          <li key={row.key} className="marker">
            stream reset ({row.reason}): state refetched
          </li>
        ) : (
          <li key={row.event.id} data-event-id={row.event.id} data-type={row.event.type}>
            <span className="id mono" title={row.event.id}>
              {row.event.id}
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
