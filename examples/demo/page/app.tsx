/**
 * The demo page: live events of one project through `useEvents`, its current state (refetched on
 * `reset`), and a form that publishes. It holds no resume logic: the client and the browser's
 * `EventSource` do that.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { createRoot } from 'react-dom/client'
import type { ResetReason } from '../../../src/client/index.js'
import { useEvents } from '../../../src/react/index.js'
import type { AppEvents } from '../../shared/events.js'
import { DEFAULT_PROJECT, type Item, type ProjectState } from '../events.js'
import { EventList, type Row } from './event-list.js'
import { PublishForm } from './publish-form.js'
import { ResetNotice } from './reset-notice.js'
import { StatePanel } from './state-panel.js'
import { StatusPill } from './status-pill.js'

/** Most rows the list keeps. */
const MAX_ROWS = 500

function withStatus(items: Item[], id: string, status: string): Item[] {
  return items.map((item) => (item.id === id ? { ...item, status } : item))
}

/** The page of one project. */
export function App({ projectId }: { projectId: string }) {
  const [state, setState] = useState<ProjectState | null>(null)
  const [rows, setRows] = useState<Row[]>([])
  const [reset, setReset] = useState<ResetReason | null>(null)
  const resets = useRef(0)
  const base = `/api/projects/${encodeURIComponent(projectId)}`

  const refetch = useCallback(async () => {
    const response = await fetch(`${base}/state`)
    if (response.ok) setState((await response.json()) as ProjectState)
  }, [base])
  useEffect(() => void refetch(), [refetch])

  const status = useEvents<AppEvents>(
    `${base}/events`,
    {
      session_updated: (event) => {
        setRows((all) => [{ kind: 'event' as const, event }, ...all].slice(0, MAX_ROWS))
        const { sessionId, status: next } = event.payload
        setState((current) => current && { ...current, sessions: withStatus(current.sessions, sessionId, next) })
      },
      workspace_updated: (event) => {
        setRows((all) => [{ kind: 'event' as const, event }, ...all].slice(0, MAX_ROWS))
        const { workspaceId, status: next } = event.payload
        setState((current) => current && { ...current, workspaces: withStatus(current.workspaces, workspaceId, next) })
      },
    },
    {
      onReset: (reason) => {
        setReset(reason)
        setRows((all) => [{ kind: 'reset' as const, key: `reset-${++resets.current}`, reason }, ...all])
        void refetch()
      },
    },
  )
  const received = rows.filter((row) => row.kind === 'event').length

  return (
    <>
      <header>
        <h1>
          durable-sse demo <small>project “{projectId}”</small>
        </h1>
        <StatusPill status={status} />
      </header>
      <p className="lede">
        Each status change is written to SQLite in the same transaction as its event, and streamed to this page over Server-Sent
        Events. Stop the server, publish, start it again: the page resumes with <code>Last-Event-ID</code> and lists every event
        exactly once, in order.
      </p>
      {reset && <ResetNotice reason={reset} onDismiss={() => setReset(null)} />}
      <div className="grid">
        <div className="stack">
          <PublishForm projectId={projectId} state={state} />
          <StatePanel state={state} />
        </div>
        <section className="card">
          <div className="events-head">
            <h2>Live events, newest first</h2>
            <span className="sub mono" data-testid="received">
              {received} received
            </span>
          </div>
          <EventList rows={rows} />
        </section>
      </div>
    </>
  )
}

const root = document.getElementById('root')
if (root) {
  const projectId = new URLSearchParams(location.search).get('project') || DEFAULT_PROJECT
  createRoot(root).render(<App projectId={projectId} />)
}
