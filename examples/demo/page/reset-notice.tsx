/**
 * The notice shown after a `reset`: the server could not resume, so the page refetched its state.
 * @module
 */
import type { ResetReason } from '../../../src/client/index.js'

const EXPLANATIONS: Record<ResetReason, string> = {
  pruned: 'the events after the last one this page saw were deleted by retention',
  ahead: 'the last event this page saw is newer than anything the server has',
  foreign: 'the last event this page saw comes from another database',
}

/** Explains a reset and lets the person dismiss it. */
export function ResetNotice({ reason, onDismiss }: { reason: ResetReason; onDismiss: () => void }) {
  return (
    <div className="notice" role="alert" data-testid="reset-notice" data-reason={reason}>
      <div>
        <strong>Stream reset ({reason})</strong>
        The server could not resume from where this page left off: {EXPLANATIONS[reason]}. The current state was refetched; events
        in between are not listed.
      </div>
      <button type="button" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  )
}
