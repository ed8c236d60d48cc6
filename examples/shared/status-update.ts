/**
 * The status-update endpoint, framework-neutral: each example parses its request into a
 * {@link StatusUpdate}, calls {@link updateStatus} and sends the JSON reply.
 * @module
 */
import { accessTo, type Credentials } from './auth.js'
import { SESSION_STATUSES, WORKSPACE_STATUSES } from './events.js'
import type { SessionService, WorkspaceService } from './services.js'

/** A request to `POST /api/projects/:id/(sessions|workspaces)/:itemId/status` with body `{ "status": "..." }`. */
export interface StatusUpdate {
  /** The project id of the path. */
  projectId: string
  /** `sessions` or `workspaces` (anything else is a 404). */
  collection: string
  /** The session or workspace id. */
  itemId: string
  /** The parsed JSON body (`undefined` when it was not JSON). */
  body: unknown
  /** The request's credentials. */
  credentials: Credentials
}

/** An HTTP status and a JSON body. */
export interface JsonReply {
  /** HTTP status. */
  status: 200 | 400 | 401 | 403 | 404
  /** The stored event (200) or `{ error }`. */
  body: unknown
}

/** The services the endpoint calls. */
export interface StatusServices {
  /** Session statuses. */
  sessions: SessionService
  /** Workspace statuses. */
  workspaces: WorkspaceService
}

/** Authorizes, validates and runs a status update; the 200 reply's body is the stored event (with its id). */
export async function updateStatus(services: StatusServices, update: StatusUpdate): Promise<JsonReply> {
  const { projectId, collection, itemId, body, credentials } = update
  if (collection !== 'sessions' && collection !== 'workspaces') return { status: 404, body: { error: 'not found' } }
  // Writes take the Authorization header only: a cookie would let another site's form post here.
  const access = accessTo(projectId, { authorization: credentials.authorization })
  if (access !== true) return { status: access, body: { error: access === 401 ? 'sign in first' : 'not your project' } }
  const status = (body as { status?: unknown } | null | undefined)?.status
  const allowed: readonly string[] = collection === 'sessions' ? SESSION_STATUSES : WORKSPACE_STATUSES
  if (typeof status !== 'string' || !allowed.includes(status)) {
    return { status: 400, body: { error: `status must be one of ${allowed.join(', ')}` } }
  }
  const event =
    collection === 'sessions'
      ? await services.sessions.updateStatus(projectId, itemId, status)
      : await services.workspaces.updateStatus(projectId, itemId, status)
  return event ? { status: 200, body: event } : { status: 404, body: { error: `no ${collection.slice(0, -1)} ${itemId}` } }
}
