/**
 * `GET /api/projects/:id/events`: the project's event stream, as a Next.js App Router route
 * handler. The handler is `broker.handler({ topic: async (_request, { params }) => ... })`
 * (`lib/app.ts`): it returns a web `Response` whose body is the SSE stream, and Next.js passes
 * `params` as a Promise (Next 15+). The app is made on the first request, not when `next build`
 * imports this module. The route is dynamic (never cached or prerendered) and runs on Node.js
 * (better-sqlite3; long-lived streams).
 * @module
 */
import type { RouteHandlerContext } from '../../../../../../../src/index.js'
import { nextApp } from '../../../../../lib/app.js'

/** Never cache or prerender the stream. */
export const dynamic = 'force-dynamic'
/** better-sqlite3 needs Node.js, not the Edge runtime. */
export const runtime = 'nodejs'

/** Streams the project's events to a signed-in member (401/403 otherwise). */
export async function GET(request: Request, context: RouteHandlerContext): Promise<Response> {
  return (await nextApp()).events(request, context)
}
