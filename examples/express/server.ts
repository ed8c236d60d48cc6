/**
 * durable-sse on Express 5: `broker.handle(req, res, ...)` serves the stream; the status routes
 * call the two services, which publish inside their database transactions.
 *
 * Run: `npx tsx examples/express/server.ts` (env `PORT`, `EXAMPLE_DB`).
 * @module
 */
import { createServer } from 'node:http'
import express from 'express'
import { defaultDbFile, type ExampleApp, openApp } from '../shared/app.js'
import { authorizeProject, nodeCredentials } from '../shared/auth.js'
import { topicOf } from '../shared/events.js'
import { HEALTH_PATH, healthReply } from '../shared/health.js'
import { closeServer, listen, type RunningExample, runIfMain, running, type StartOptions } from '../shared/serve.js'
import { updateStatus } from '../shared/status-update.js'

/**
 * Starts the Express example.
 * @example
 * const example = await start({ port: 0, dbFile: '/tmp/express.db' })
 * await example.close()
 */
export async function start({ port, dbFile = defaultDbFile('express') }: StartOptions = {}): Promise<RunningExample> {
  return serveExpress(await openApp({ dbFile }), port)
}

/**
 * Serves `app` (on any store) with Express on `port`: the readiness probe, the stream, the status
 * routes. The MySQL example serves its app with it too.
 * @example
 * const example = await serveExpress(await openApp({ dbFile: '/tmp/express.db' }), 0)
 */
export async function serveExpress(app: ExampleApp, port?: number): Promise<RunningExample> {
  const server = express()
  server.use(express.json())

  // Readiness probe: 200 while this process delivers, else 503 (the load balancer takes it out).
  server.get(HEALTH_PATH, (_req, res) => {
    const reply = healthReply(app.broker)
    res.status(reply.status).json(reply.body)
  })

  // Resolves when the stream ends; a refusal (400/401/403) is answered before any stream starts.
  server.get('/api/projects/:id/events', (req, res) =>
    app.broker.handle(req, res, { topic: topicOf(req.params.id), authorize: authorizeProject }),
  )

  server.post('/api/projects/:id/:collection/:itemId/status', async (req, res) => {
    const reply = await updateStatus(app, {
      projectId: req.params.id,
      collection: req.params.collection,
      itemId: req.params.itemId,
      body: req.body,
      credentials: nodeCredentials(req.headers),
    })
    res.status(reply.status).json(reply.body)
  })

  const http = createServer(server)
  const url = await listen(http, port)
  return running(app, url, () => closeServer(http))
}

await runIfMain(import.meta.url, start)
