/**
 * The demo page: one stream, through `useEvents`, over two topics: the project's (its sessions and
 * workspaces, whose current state the page shows) and the signed-in user's (notifications). Every
 * handler sees `event.topic`; a `reset` names the topic that could not resume, and the page
 * refetches only what that topic keeps up to date. The page loads its state and the stream position
 * it reflects in one snapshot (`GET /api/page`) and connects after that position, so no event
 * committed while it loads is lost or applied twice. It holds no resume logic: the client and the
 * browser's `EventSource` do that, with the stream's cursor as `Last-Event-ID`.
 * @module
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import { createRoot } from 'react-dom/client'
import type { EventOf, ResetReason } from '../../../src/client/index.js'
import { useEvents } from '../../../src/react/index.js'
import {
  DEFAULT_PROJECT,
  DEMO_USER,
  type DemoEvents,
  type Item,
  type Notification,
  type PageSnapshot,
  type ProjectState,
  topicOf,
  userTopicOf,
} from '../events.js'
import { EventList, type Row } from './event-list.js'
import { NotificationsPanel } from './notifications-panel.js'
import { PublishForm } from './publish-form.js'
import { ResetNotice } from './reset-notice.js'
import { StatePanel } from './state-panel.js'
import { StatusPill } from './status-pill.js'

/** Most rows the list keeps. */
const MAX_ROWS = 500
/** Pause before asking again for the page's snapshot when the server did not answer. */
const RELOAD_MS = 1_000

function withStatus(items: Item[], id: string, status: string): Item[] {
  return items.map((item) => (item.id === id ? { ...item, status } : item))
}

/** A reset the page is showing a notice for. */
interface Reset {
  reason: ResetReason
  topic: string
}

/** The page of one project, for the signed-in user. */
export function App({ projectId, userId }: { projectId: string; userId: string }) {
  const [state, setState] = useState<ProjectState | null>(null)
  const [notifications, setNotifications] = useState<Notification[] | null>(null)
  const [rows, setRows] = useState<Row[]>([])
  const [resets, setResets] = useState<Reset[]>([])
  const resetCount = useRef(0)
  const base = `/api/projects/${encodeURIComponent(projectId)}`
  const projectTopic = topicOf(projectId)
  const userTopic = userTopicOf(userId)

  const refetchState = useCallback(async () => {
    const response = await fetch(`${base}/state`)
    if (response.ok) setState((await response.json()) as ProjectState)
  }, [base])
  const refetchNotifications = useCallback(async () => {
    const response = await fetch('/api/me/notifications')
    if (response.ok) setNotifications((await response.json()) as Notification[])
  }, [])
  // The stream starts after the snapshot's position, so it opens once the snapshot is in.
  const [position, setPosition] = useState<string | null>(null)
  useEffect(() => {
    let active = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const load = async () => {
      const response = await fetch(`/api/page?project=${encodeURIComponent(projectId)}`).catch(() => undefined)
      if (!active) return
      if (!response?.ok) {
        timer = setTimeout(load, RELOAD_MS)
        return
      }
      const snapshot = (await response.json()) as PageSnapshot
      if (!active) return
      setState(snapshot.state.project)
      setNotifications(snapshot.state.notifications)
      setPosition(snapshot.lastEventId)
    }
    void load()
    return () => {
      active = false
      clearTimeout(timer)
    }
  }, [projectId])

  const list = (event: EventOf<DemoEvents>) => setRows((all) => [{ kind: 'event' as const, event }, ...all].slice(0, MAX_ROWS))
  const streamed = useEvents<DemoEvents>(
    position === null ? null : `/api/events?project=${encodeURIComponent(projectId)}`,
    {
      session_updated: (event) => {
        list(event)
        const { sessionId, status: next } = event.payload
        setState((current) => current && { ...current, sessions: withStatus(current.sessions, sessionId, next) })
      },
      workspace_updated: (event) => {
        list(event)
        const { workspaceId, status: next } = event.payload
        setState((current) => current && { ...current, workspaces: withStatus(current.workspaces, workspaceId, next) })
      },
      notification: (event) => {
        list(event)
        const { notificationId, text } = event.payload
        setNotifications(
          (current) => current && [{ id: notificationId, text }, ...current.filter((n) => n.id !== notificationId)],
        )
      },
    },
    {
      lastEventId: position ?? undefined,
      // One call per topic that could not resume; the others resumed exactly.
      onReset: (reason, reset) => {
        const topic = reset.topic ?? projectTopic
        setResets((all) => [...all.filter((shown) => shown.topic !== topic), { reason, topic }])
        setRows((all) => [{ kind: 'reset' as const, key: `reset-${++resetCount.current}`, reason, topic }, ...all])
        void (topic === userTopic ? refetchNotifications() : refetchState())
      },
    },
  )
  const status = position === null ? 'connecting' : streamed
  const received = rows.filter((row) => row.kind === 'event').length

  return (
    <>
      <header>
        <h1>
          durable-sse demo{' '}
          <small>
            project “{projectId}”, signed in as {userId}
          </small>
        </h1>
        <StatusPill status={status} />
      </header>
      <p className="lede">
        Each change is written to SQLite in the same transaction as its event, and streamed to this page over Server-Sent Events:
        one stream over two topics, <code>{projectTopic}</code> and <code>{userTopic}</code>. Stop the server, publish, start it
        again: the page resumes every topic with <code>Last-Event-ID</code> and lists every event exactly once, in order.
      </p>
      {resets.map((reset) => (
        <ResetNotice
          key={reset.topic}
          reason={reset.reason}
          topic={reset.topic}
          refetched={reset.topic === userTopic ? 'Your notifications' : "The project's sessions and workspaces"}
          onDismiss={() => setResets((all) => all.filter((shown) => shown.topic !== reset.topic))}
        />
      ))}
      <div className="grid">
        <div className="stack">
          <PublishForm projectId={projectId} state={state} />
          <StatePanel state={state} />
          <NotificationsPanel userId={userId} notifications={notifications} />
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
  createRoot(root).render(<App projectId={projectId} userId={DEMO_USER} />)
}
