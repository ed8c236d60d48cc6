/**
 * The notice shown after a `reset` of one of the stream's topics: the server could not resume that
 * topic, so the page refetched what the topic keeps up to date.
 * @module
 */
import type { ResetReason } from '../../../src/client/index.js'

const EXPLANATIONS: Record<ResetReason, string> = {
  pruned: 'the events after the last one this page saw were deleted by retention',
  ahead: 'the last event this page saw is newer than anything the server has',
  foreign: 'the last event this page saw comes from another database',
}

/** Explains a reset of `topic` (which refetched `refetched`) and lets the person dismiss it. */
export function ResetNotice({
  reason,
  topic,
  refetched,
  onDismiss,
}: {
  reason: ResetReason
  topic: string
  refetched: string
  onDismiss: () => void
}) {
  return (
    <div className="notice" role="alert" data-testid="reset-notice" data-reason={reason} data-topic={topic}>
      <div>
        <strong>
          Stream reset for <code>{topic}</code> ({reason})
        </strong>
        The server could not resume this topic from where this page left off: {EXPLANATIONS[reason]}. {refetched} were refetched;
        its events in between are not listed. The stream's other topics resumed exactly.
      </div>
      <button type="button" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  )
}
