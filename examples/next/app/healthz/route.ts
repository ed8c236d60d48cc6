/**
 * `GET /healthz`: the readiness probe, `broker.health()` as JSON (200 when ok, else 503).
 * @module
 */
import { healthReply } from '../../../shared/health.js'
import { nextApp } from '../../lib/app.js'

/** Runs on Node.js (better-sqlite3). */
export const runtime = 'nodejs'
/** Never cached: every probe asks the broker. */
export const dynamic = 'force-dynamic'

/** Answers `broker.health()`. */
export async function GET(): Promise<Response> {
  const reply = healthReply((await nextApp()).broker)
  return Response.json(reply.body, { status: reply.status })
}
