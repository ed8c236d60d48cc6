/**
 * What the demo adds to the shared event map and statuses (`../shared/events.ts`): the signed-in
 * user's notifications, the shape of its state, its default project and user, and its topic
 * names. Used by the server and the page alike.
 * @module
 */
import type { AppEvents } from '../shared/events.js'

/** The demo's events: a project's (shared with the other examples) and a user's notifications. */
export type DemoEvents = AppEvents & {
  notification: { notificationId: number; text: string }
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

/** A project's current state, which the page refetches after a `reset` of the project's topic. */
export interface ProjectState {
  /** The project's sessions. */
  sessions: Item[]
  /** The project's workspaces. */
  workspaces: Item[]
}

/** A notification as `GET /api/me/notifications` lists it, which the page refetches after a `reset` of the user's topic. */
export interface Notification {
  /** Its id in the app's table. */
  id: number
  /** What it says. */
  text: string
}

/** What `GET /api/page?project=` answers: the page's state and the stream position it reflects (`broker.snapshot`). */
export interface PageSnapshot {
  /** The project's state and the user's notifications, read in one database snapshot. */
  state: { project: ProjectState; notifications: Notification[] }
  /** The stream's cursor as of that snapshot: connecting after it delivers exactly the later events. */
  lastEventId: string
}

/** The project the page shows when the URL names none. */
export const DEFAULT_PROJECT = 'demo'

/** The signed-in user: the demo has no login, so everyone is this one user. */
export const DEMO_USER = 'ada'

/** Longest notification text the API accepts. */
export const MAX_NOTIFICATION_LENGTH = 200

/** The topic of a project's events: `project-<id>`. */
export function topicOf(projectId: string): string {
  return `project-${projectId}`
}

/** The topic of a user's notifications: `user-<id>`. */
export function userTopicOf(userId: string): string {
  return `user-${userId}`
}

/** The topics of the page's one stream: the project's and the signed-in user's. */
export function pageTopics(projectId: string, userId: string): string[] {
  return [topicOf(projectId), userTopicOf(userId)]
}
