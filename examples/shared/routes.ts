/**
 * The examples' two URL shapes, for the servers that route by hand (node:http, Koa).
 * @module
 */

import { HEALTH_PATH } from './health.js'

/** A request the examples serve. */
export type Route =
  | { name: 'health' }
  | { name: 'events'; projectId: string }
  | { name: 'status'; projectId: string; collection: string; itemId: string }

const EVENTS = /^\/api\/projects\/([^/]+)\/events$/
const STATUS = /^\/api\/projects\/([^/]+)\/([^/]+)\/([^/]+)\/status$/

/** `GET /healthz`, `GET /api/projects/:id/events` or `POST /api/projects/:id/:collection/:itemId/status`, else `undefined`. */
export function matchRoute(method: string | undefined, pathname: string): Route | undefined {
  if (method === 'GET' && pathname === HEALTH_PATH) return { name: 'health' }
  const events = method === 'GET' ? EVENTS.exec(pathname) : null
  if (events) return { name: 'events', projectId: decodeURIComponent(events[1] as string) }
  const status = method === 'POST' ? STATUS.exec(pathname) : null
  if (!status) return undefined
  const [projectId, collection, itemId] = status.slice(1).map((part) => decodeURIComponent(part)) as [string, string, string]
  return { name: 'status', projectId, collection, itemId }
}
