/**
 * The demo's event map and statuses: declared once, used by the server's broker and the page's hook.
 * @module
 */

/** Statuses a session can be set to from the form. */
export const SESSION_STATUSES = ['idle', 'running', 'paused', 'done', 'failed'] as const
/** Statuses a workspace can be set to from the form. */
export const WORKSPACE_STATUSES = ['provisioning', 'ready', 'busy', 'stopped'] as const

/** The events of a project's stream. */
export type DemoEvents = {
  session_updated: { sessionId: string; status: string }
  workspace_updated: { workspaceId: string; status: string }
}

/** A session or workspace as `GET /api/projects/:id/state` lists it. */
export interface Item {
  /** Its id, e.g. `session-1`. */
  id: string
  /** A human name. */
  name: string
  /** Its current status. */
  status: string
}

/** A project's current state, which the page refetches after a `reset`. */
export interface ProjectState {
  /** The project's sessions. */
  sessions: Item[]
  /** The project's workspaces. */
  workspaces: Item[]
}

/** The project the page shows when the URL names none. */
export const DEFAULT_PROJECT = 'demo'

/** The stream (topic) of a project's events. */
export function topicOf(projectId: string): string {
  return `project-${projectId}`
}
