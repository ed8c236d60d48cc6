/**
 * The form that changes a session's or workspace's status through the app's API, which publishes
 * the event in the same transaction.
 * @module
 */
import { type FormEvent, useState } from 'react'
import { SESSION_STATUSES, WORKSPACE_STATUSES } from '../../shared/events.js'
import type { ProjectState } from '../events.js'
import { PublishNote, usePublishing } from './publish-note.js'

/** Picks a session or workspace and a status, and POSTs it. */
export function PublishForm({ projectId, state }: { projectId: string; state: ProjectState | null }) {
  const [target, setTarget] = useState('sessions/session-1')
  const [status, setStatus] = useState<string>('running')
  const publishing = usePublishing()
  const statuses: readonly string[] = target.startsWith('sessions/') ? SESSION_STATUSES : WORKSPACE_STATUSES

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    await publishing.publish(
      `/api/projects/${encodeURIComponent(projectId)}/${target}/status`,
      { status },
      (id) => `Published event ${id}: watch it arrive in the list.`,
    )
  }

  const pick = (next: string) => {
    setTarget(next)
    const nextStatuses: readonly string[] = next.startsWith('sessions/') ? SESSION_STATUSES : WORKSPACE_STATUSES
    if (!nextStatuses.includes(status)) setStatus(nextStatuses[0] as string)
  }

  return (
    <form className="card" onSubmit={submit} data-testid="publish-form">
      <h2>Publish</h2>
      <div className="row">
        <label htmlFor="target">Session or workspace</label>
        <select id="target" name="target" value={target} onChange={(e) => pick(e.target.value)}>
          <optgroup label="Sessions">
            {(state?.sessions ?? []).map((item) => (
              <option key={item.id} value={`sessions/${item.id}`}>
                {item.name} ({item.id})
              </option>
            ))}
          </optgroup>
          <optgroup label="Workspaces">
            {(state?.workspaces ?? []).map((item) => (
              <option key={item.id} value={`workspaces/${item.id}`}>
                {item.name} ({item.id})
              </option>
            ))}
          </optgroup>
        </select>
      </div>
      <div className="row">
        <label htmlFor="status-select">New status</label>
        <select id="status-select" name="status" value={status} onChange={(e) => setStatus(e.target.value)}>
          {statuses.map((value) => (
            <option key={value}>{value}</option>
          ))}
        </select>
      </div>
      <PublishNote publishing={publishing} label="Publish" busyLabel="Publishing…" noteTestId="form-note" />
    </form>
  )
}
