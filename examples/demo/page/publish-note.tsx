/**
 * What the page's two forms share: a POST that publishes an event, tracked while it runs, and the
 * submit button and note that show how it went (the note carries the published event's id).
 * @module
 */
import { useState } from 'react'
import { post } from './post.js'

/** A form's publishing state and the call that changes it. */
export interface Publishing {
  /** A POST is under way. */
  busy: boolean
  /** What the last POST did, for the reader. */
  note: string
  /** The id of the event the last successful POST published. */
  publishedId: string | undefined
  /** POSTs `body` to `url`; notes `published(id)` when the app published the event, the app's answer when it refused. */
  publish(url: string, body: unknown, published: (id: string) => string): Promise<void>
}

/** The state of one form's POSTs. */
export function usePublishing(): Publishing {
  const [busy, setBusy] = useState(false)
  const [note, setNote] = useState('')
  const [publishedId, setPublishedId] = useState<string>()

  const publish = async (url: string, body: unknown, published: (id: string) => string) => {
    setBusy(true)
    try {
      const id = await post(url, body)
      setPublishedId(id)
      setNote(published(id))
    } catch (error) {
      setNote(`Failed: ${(error as Error).message}`)
    } finally {
      setBusy(false)
    }
  }

  return { busy, note, publishedId, publish }
}

/** The form's submit button (showing `busyLabel` while a POST runs) and the note below it, `data-published-id` on the note. */
export function PublishNote({
  publishing,
  label,
  busyLabel,
  noteTestId,
}: {
  publishing: Publishing
  label: string
  busyLabel: string
  noteTestId: string
}) {
  return (
    <>
      <button type="submit" disabled={publishing.busy}>
        {publishing.busy ? busyLabel : label}
      </button>
      <p className="form-note" aria-live="polite" data-testid={noteTestId} data-published-id={publishing.publishedId}>
        {publishing.note}
      </p>
    </>
  )
}
