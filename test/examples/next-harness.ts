/**
 * The Next.js example's route handlers mounted on a plain Node server (through
 * `@hono/node-server`'s Request/Response bridge), so the same live-server suite as the other
 * frameworks runs against them. Next.js itself is not installed; its router would call the same
 * exports with the same `(request, { params })`.
 */
import { createServer, type RequestListener } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { matchRoute } from '../../examples/shared/routes.js'
import { closeServer, listen, type RunningExample, running, type StartOptions } from '../../examples/shared/serve.js'

/**
 * Loads the route modules (their app opens `$EXAMPLE_DB`, read once, on the first request), runs
 * `register()`, and returns a Node request listener that routes to them as Next.js would.
 */
export async function nextRoutesListener(): Promise<RequestListener> {
  const { register } = await import('../../examples/next/instrumentation.js')
  await register()
  const events = await import('../../examples/next/app/api/projects/[id]/events/route.js')
  const sessions = await import('../../examples/next/app/api/projects/[id]/sessions/[sessionId]/status/route.js')
  const workspaces = await import('../../examples/next/app/api/projects/[id]/workspaces/[workspaceId]/status/route.js')
  const health = await import('../../examples/next/app/healthz/route.js')

  return getRequestListener(async (request) => {
    const route = matchRoute(request.method, new URL(request.url).pathname)
    if (route?.name === 'health') return health.GET()
    if (route?.name === 'events') {
      return events.GET(request, { params: Promise.resolve({ id: route.projectId }) })
    }
    if (route?.name === 'status' && route.collection === 'sessions') {
      return sessions.POST(request, { params: Promise.resolve({ id: route.projectId, sessionId: route.itemId }) })
    }
    if (route?.name === 'status' && route.collection === 'workspaces') {
      return workspaces.POST(request, { params: Promise.resolve({ id: route.projectId, workspaceId: route.itemId }) })
    }
    return Response.json({ error: 'not found' }, { status: 404 })
  })
}

/** Serves the Next.js example's routes on `port` with the app on `dbFile`. */
export async function startNextRoutes({ port, dbFile }: Required<StartOptions>): Promise<RunningExample> {
  process.env.EXAMPLE_DB = dbFile
  const server = createServer(await nextRoutesListener())
  const { nextApp } = await import('../../examples/next/lib/app.js')
  return running(await nextApp(), await listen(server, port), () => closeServer(server))
}
