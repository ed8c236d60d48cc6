/**
 * What the demo adds to the shared event map and statuses (`../shared/events.ts`): the shape of
 * its state, its default project and its topic names. Used by the server and the page alike.
 * @module
 */

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

/** The stream (topic) of a project's events: `project-<id>`. */
export function topicOf(projectId: string): string {
  return `project-${projectId}`
}
