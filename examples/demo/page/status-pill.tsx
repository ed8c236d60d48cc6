/**
 * The connection status pill.
 * @module
 */
import type { ConnectionStatus } from '../../../src/react/index.js'

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting… (will resume with Last-Event-ID)',
  closed: 'Closed',
}

/** Shows the connection's status; `data-status` carries the raw value. */
export function StatusPill({ status }: { status: ConnectionStatus }) {
  return (
    <span className="pill" data-status={status} data-testid="status" role="status">
      {LABELS[status]}
    </span>
  )
}
