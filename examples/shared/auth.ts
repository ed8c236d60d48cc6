/**
 * Demo authorization: two users with fixed tokens, sent as `Authorization: Bearer <token>` or as a
 * `session=<token>` cookie. The cookie is what a browser's `EventSource` sends (it cannot set
 * headers), and it is accepted for the read-only stream; writes require the header (no CSRF).
 * Replace `USERS` with your session lookup; keep the shape of {@link authorizeProject}.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Authorize } from '../../src/index.js'
import { projectOf } from './events.js'

/** A signed-in user and the projects they may see. */
export interface User {
  /** Display name. */
  name: string
  /** Projects they are a member of. */
  projects: readonly string[]
}

/** Demo tokens: alice sees p1 and p2, bob only p2. */
export const USERS: Readonly<Record<string, User>> = {
  'alice-token': { name: 'alice', projects: ['p1', 'p2'] },
  'bob-token': { name: 'bob', projects: ['p2'] },
}

/** The two headers that carry credentials, from a Node request or a web `Headers`. */
export interface Credentials {
  /** The `Authorization` header. */
  authorization?: string | null
  /** The `Cookie` header. */
  cookie?: string | null
}

/** Credentials of a Node request's headers. */
export function nodeCredentials(headers: IncomingHttpHeaders): Credentials {
  return { authorization: headers.authorization, cookie: headers.cookie }
}

/** Credentials of a web request's headers. */
export function webCredentials(headers: Headers): Credentials {
  return { authorization: headers.get('authorization'), cookie: headers.get('cookie') }
}

/** The user the credentials belong to, or `undefined`. */
export function userOf({ authorization, cookie }: Credentials): User | undefined {
  const bearer = /^Bearer (\S+)$/i.exec(authorization ?? '')?.[1]
  const fromCookie = /(?:^|;\s*)session=([^;]+)/.exec(cookie ?? '')?.[1]
  const token = bearer ?? fromCookie
  return token === undefined ? undefined : USERS[token]
}

/** 401 without a known user, 403 when the user is not a member of the project, else allowed. */
export function accessTo(projectId: string | undefined, credentials: Credentials): true | 401 | 403 {
  const user = userOf(credentials)
  if (!user) return 401
  return projectId !== undefined && user.projects.includes(projectId) ? true : 403
}

/**
 * The broker's `authorize` for project streams: works with Node handlers (`req`) and web
 * handlers (`request`) alike.
 * @example
 * broker.handle(req, res, { topic: topicOf(projectId), authorize: authorizeProject })
 */
export const authorizeProject: Authorize = ({ topic, req, request }) => {
  const credentials = req ? nodeCredentials(req.headers) : request ? webCredentials(request.headers) : {}
  return accessTo(projectOf(topic), credentials)
}
