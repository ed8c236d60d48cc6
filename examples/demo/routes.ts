/**
 * The demo's HTTP routes on plain `node:http`: the page and its script; the page's state with the
 * stream position it reflects (`broker.snapshot`) and the page's stream (the project's topic and
 * the signed-in user's, in one stream); a project's own stream; the project's state and the two
 * status updates; the user's notifications and sending one.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Kysely, Transaction } from 'kysely'
import type { Broker } from '../../src/index.js'
import { SESSION_STATUSES, WORKSPACE_STATUSES } from '../shared/events.js'
import { type DemoTables, readNotifications, readState } from './database.js'
import {
  DEFAULT_PROJECT,
  DEMO_USER,
  type DemoEvents,
  MAX_NOTIFICATION_LENGTH,
  type PageSnapshot,
  pageTopics,
  topicOf,
} from './events.js'
import { pageHtml } from './page/html.js'
import type { DemoServices } from './services.js'

/** What the routes serve from. */
export interface RouteContext extends DemoServices {
  /** The app's database. */
  db: Kysely<DemoTables>
  /** The broker streaming and publishing events. */
  broker: Broker<DemoEvents>
  /** The bundled page script. */
  script: string
}

const EVENTS = /^\/api\/projects\/([^/]+)\/events$/
const STATE = /^\/api\/projects\/([^/]+)\/state$/
const STATUS = /^\/api\/projects\/([^/]+)\/(sessions|workspaces)\/([^/]+)\/status$/
const NOTIFICATIONS = '/api/me/notifications'
const PAGE = '/api/page'

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store' })
  res.end(body)
}

/** Reads a small JSON body (at most 4 KiB). */
async function readJson(req: IncomingMessage): Promise<unknown> {
  let text = ''
  for await (const chunk of req) {
    text += String(chunk)
    if (text.length > 4096) throw new RangeError('body too large')
  }
  return JSON.parse(text)
}

/** Handles one request; answers 404 for anything it does not know. */
export async function route(context: RouteContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname, searchParams } = new URL(req.url ?? '/', 'http://localhost')
  const method = req.method ?? 'GET'
  if (method === 'GET' && pathname === '/') return send(res, 200, 'text/html', pageHtml())
  if (method === 'GET' && pathname === '/app.js') return send(res, 200, 'text/javascript', context.script)

  // The page's state and the stream position it reflects, read in one snapshot: the page connects
  // with that position, so it neither misses nor repeats the events committed around its load.
  if (method === 'GET' && pathname === PAGE) {
    const project = searchParams.get('project') || DEFAULT_PROJECT
    const snapshot: PageSnapshot = await context.broker.snapshot(
      pageTopics(project, DEMO_USER),
      async (trx: Transaction<DemoTables>) => ({
        project: await readState(trx, project),
        notifications: await readNotifications(trx, DEMO_USER),
      }),
    )
    return send(res, 200, 'application/json', JSON.stringify(snapshot))
  }
  // The page's stream: one connection for the project and the signed-in user's notifications.
  if (method === 'GET' && pathname === '/api/events') {
    const project = searchParams.get('project') || DEFAULT_PROJECT
    return context.broker.handle(req, res, { topics: pageTopics(project, DEMO_USER) })
  }
  if (method === 'GET' && pathname === NOTIFICATIONS) {
    return send(res, 200, 'application/json', JSON.stringify(await readNotifications(context.db, DEMO_USER)))
  }
  if (method === 'POST' && pathname === NOTIFICATIONS) {
    let text: unknown
    try {
      text = ((await readJson(req)) as { text?: unknown } | null)?.text
    } catch {
      return send(res, 400, 'text/plain', 'expected a JSON body {"text": "..."}')
    }
    if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_NOTIFICATION_LENGTH) {
      return send(res, 400, 'text/plain', `text must be 1 to ${MAX_NOTIFICATION_LENGTH} characters`)
    }
    return send(res, 200, 'application/json', JSON.stringify(await context.notifications.send(DEMO_USER, text.trim())))
  }

  const events = EVENTS.exec(pathname)
  if (method === 'GET' && events) {
    return context.broker.handle(req, res, { topic: topicOf(decodeURIComponent(events[1] as string)) })
  }
  const state = STATE.exec(pathname)
  if (method === 'GET' && state) {
    const body = await readState(context.db, decodeURIComponent(state[1] as string))
    return send(res, 200, 'application/json', JSON.stringify(body))
  }
  const status = STATUS.exec(pathname)
  if (method === 'POST' && status) {
    const [, project, kind, id] = status.map((part) => decodeURIComponent(part)) as [string, string, string, string]
    let next: unknown
    try {
      next = ((await readJson(req)) as { status?: unknown } | null)?.status
    } catch {
      return send(res, 400, 'text/plain', 'expected a JSON body {"status": "..."}')
    }
    const allowed: readonly string[] = kind === 'sessions' ? SESSION_STATUSES : WORKSPACE_STATUSES
    if (typeof next !== 'string' || !allowed.includes(next)) {
      return send(res, 400, 'text/plain', `status must be one of ${allowed.join(', ')}`)
    }
    const published =
      kind === 'sessions'
        ? await context.sessions.updateStatus(project, id, next)
        : await context.workspaces.updateStatus(project, id, next)
    if (!published) return send(res, 404, 'text/plain', `no ${kind.slice(0, -1)} ${id} in project ${project}`)
    return send(res, 200, 'application/json', JSON.stringify(published))
  }
  send(res, 404, 'text/plain', 'not found')
}
