/**
 * `GET /api/projects/:id/events`: the project's event stream, as a Next.js App Router route
 * handler. `broker.handler` returns a web `Response` whose body is the SSE stream; Next.js passes
 * `params` as a Promise (Next 15+). The route is dynamic (never cached or prerendered) and runs on
 * Node.js (better-sqlite3; long-lived streams).
 * @module
 */
import { authorizeProject } from '../../../../../../shared/auth.js'
import { topicOf } from '../../../../../../shared/events.js'
import { app } from '../../../../../lib/app.js'

/** Never cache or prerender the stream. */
export const dynamic = 'force-dynamic'
/** better-sqlite3 needs Node.js, not the Edge runtime. */
export const runtime = 'nodejs'

/** Streams the project's events to a signed-in member (401/403 otherwise). */
export const GET = app.broker.handler({
  topic: async (_request: Request, { params }: { params: Promise<{ id: string }> }) => topicOf((await params).id),
  authorize: authorizeProject,
})
