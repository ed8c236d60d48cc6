/**
 * durable-sse on Hono 4 with `@hono/node-server`: the stream route returns
 * `broker.response(c.req.raw, ...)`, a web `Response` whose body is the SSE stream (the same code
 * runs on Bun, Deno and Workers-style runtimes that give Hono a `Request`).
 *
 * Shutdown: the library does not own the socket of a web `Response`, so the server must drop the
 * connections itself. After `await broker.close()` (every stream ends with a `retry:` hint),
 * `closeServer` stops accepting and drops each keep-alive connection as soon as
 * `@hono/node-server` has finished writing its ended stream; without that, the browsers reconnect
 * over those sockets into the closing process and `server.close()` never completes.
 *
 * Run: `npx tsx examples/hono/server.ts` (env `PORT`, `EXAMPLE_DB`).
 * @module
 */
import type { Server } from 'node:http'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { defaultDbFile, openApp } from '../shared/app.js'
import { authorizeProject, webCredentials } from '../shared/auth.js'
import { topicOf } from '../shared/events.js'
import { HEALTH_PATH, healthReply } from '../shared/health.js'
import { closeServer, type RunningExample, runIfMain, running, type StartOptions } from '../shared/serve.js'
import { updateStatus } from '../shared/status-update.js'

/**
 * Starts the Hono example.
 * @example
 * const example = await start({ port: 0, dbFile: '/tmp/hono.db' })
 * await example.close()
 */
export async function start({ port = 3000, dbFile = defaultDbFile('hono') }: StartOptions = {}): Promise<RunningExample> {
  const app = await openApp({ dbFile })
  const hono = new Hono()

  hono.get(HEALTH_PATH, (c) => {
    const reply = healthReply(app.broker)
    return c.json(reply.body, reply.status)
  })

  hono.get('/api/projects/:id/events', (c) =>
    app.broker.response(c.req.raw, { topic: topicOf(c.req.param('id')), authorize: authorizeProject }),
  )

  hono.post('/api/projects/:id/:collection/:itemId/status', async (c) => {
    const reply = await updateStatus(app, {
      projectId: c.req.param('id'),
      collection: c.req.param('collection'),
      itemId: c.req.param('itemId'),
      body: await c.req.json().catch(() => undefined),
      credentials: webCredentials(c.req.raw.headers),
    })
    return c.json(reply.body, reply.status)
  })

  let server: Server | undefined
  const url = await new Promise<string>((listening) => {
    server = serve({ fetch: hono.fetch, port, hostname: '127.0.0.1' }, (info) =>
      listening(`http://127.0.0.1:${info.port}`),
    ) as Server
  })
  // On SIGTERM: broker.close(), then closeServer() (see above), then the store.
  return running(app, url, () => closeServer(server as Server))
}

await runIfMain(import.meta.url, start)
