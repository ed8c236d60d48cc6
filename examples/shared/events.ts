/**
 * The examples' event map and topics: one stream per project.
 * @module
 */

/** Statuses a session can have. */
export const SESSION_STATUSES = ['idle', 'running', 'paused', 'done', 'failed'] as const
/** Statuses a workspace can have. */
export const WORKSPACE_STATUSES = ['provisioning', 'ready', 'busy', 'stopped'] as const

/** The events of a project's stream, shared by the server's broker and a browser client. */
export type AppEvents = {
  session_updated: { sessionId: string; status: string }
  workspace_updated: { workspaceId: string; status: string }
}

const PREFIX = 'project:'

/** The topic of a project's events. */
export function topicOf(projectId: string): string {
  return PREFIX + projectId
}

/** The project a topic belongs to, or `undefined` for a topic that is not a project's. */
export function projectOf(topic: string): string | undefined {
  return topic.startsWith(PREFIX) ? topic.slice(PREFIX.length) : undefined
}
