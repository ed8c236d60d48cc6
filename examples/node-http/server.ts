/**
 * durable-sse on plain `node:http`: `broker.handle(req, res, ...)` serves the stream, and two
 * regular expressions do the routing.
 *
 * Run: `npx tsx examples/node-http/server.ts` (env `PORT`, `EXAMPLE_DB`).
 * @module
 */
import { createServer, type RequestListener } from 'node:http'
import { defaultDbFile, type ExampleApp, openApp } from '../shared/app.js'
import { authorizeProject, nodeCredentials } from '../shared/auth.js'
import { topicOf } from '../shared/events.js'
import { healthReply } from '../shared/health.js'
import { readJsonBody } from '../shared/node-body.js'
import { matchRoute } from '../shared/routes.js'
import { closeServer, listen, type RunningExample, runIfMain, running, type StartOptions } from '../shared/serve.js'
import { updateStatus } from '../shared/status-update.js'

/** The example's routes as a node:http request listener (the metrics example serves them too). */
export function nodeHttpListener(app: ExampleApp): RequestListener {
  return async (req, res) => {
    try {
      const route = matchRoute(req.method, new URL(req.url ?? '/', 'http://localhost').pathname)
      if (route?.name === 'events') {
        await app.broker.handle(req, res, { topic: topicOf(route.projectId), authorize: authorizeProject })
        return
      }
      const reply =
        route?.name === 'health'
          ? healthReply(app.broker)
          : route
            ? await updateStatus(app, { ...route, body: await readJsonBody(req), credentials: nodeCredentials(req.headers) })
            : { status: 404, body: { error: 'not found' } }
      res.writeHead(reply.status, { 'Content-Type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify(reply.body))
    } catch (error) {
      console.error(error)
      if (!res.headersSent) res.writeHead(500)
      res.end()
    }
  }
}

/**
 * Starts the node:http example.
 * @example
 * const example = await start({ port: 0, dbFile: '/tmp/node-http.db' })
 * await example.close()
 */
export async function start({ port, dbFile = defaultDbFile('node-http') }: StartOptions = {}): Promise<RunningExample> {
  const app = await openApp({ dbFile })

  const server = createServer(nodeHttpListener(app))

  const url = await listen(server, port)
  return running(app, url, () => closeServer(server))
}

await runIfMain(import.meta.url, start)
