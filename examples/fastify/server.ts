/**
 * durable-sse on Fastify 5: the stream route calls `reply.hijack()` (Fastify stops managing the
 * response, so it neither sends nor logs a reply of its own) and hands `request.raw` /
 * `reply.raw` to `broker.handle`. Headers set with `reply.header()` are not applied to a hijacked
 * reply; CORS and the like must be written on `reply.raw` or by the broker.
 *
 * Run: `npx tsx examples/fastify/server.ts` (env `PORT`, `EXAMPLE_DB`).
 * @module
 */
import Fastify from 'fastify'
import { defaultDbFile, openApp } from '../shared/app.js'
import { authorizeProject, nodeCredentials } from '../shared/auth.js'
import { topicOf } from '../shared/events.js'
import { HEALTH_PATH, healthReply } from '../shared/health.js'
import { type RunningExample, runIfMain, running, type StartOptions } from '../shared/serve.js'
import { updateStatus } from '../shared/status-update.js'

/**
 * Starts the Fastify example.
 * @example
 * const example = await start({ port: 0, dbFile: '/tmp/fastify.db' })
 * await example.close()
 */
export async function start({ port = 3000, dbFile = defaultDbFile('fastify') }: StartOptions = {}): Promise<RunningExample> {
  const app = await openApp({ dbFile })
  // close() runs after broker.close() has ended every stream (with a retry hint), so dropping the
  // connections left, rather than waiting out keep-alive timeouts, loses nothing.
  const fastify = Fastify({ forceCloseConnections: true })

  fastify.get(HEALTH_PATH, async (_request, reply) => {
    const health = healthReply(app.broker)
    return reply.code(health.status).send(health.body)
  })

  fastify.get<{ Params: { id: string } }>('/api/projects/:id/events', async (request, reply) => {
    reply.hijack()
    await app.broker.handle(request.raw, reply.raw, { topic: topicOf(request.params.id), authorize: authorizeProject })
  })

  fastify.post<{ Params: { id: string; collection: string; itemId: string } }>(
    '/api/projects/:id/:collection/:itemId/status',
    async (request, reply) => {
      const { id, collection, itemId } = request.params
      const result = await updateStatus(app, {
        projectId: id,
        collection,
        itemId,
        body: request.body,
        credentials: nodeCredentials(request.headers),
      })
      return reply.code(result.status).send(result.body)
    },
  )

  const url = await fastify.listen({ port, host: '127.0.0.1' })
  return running(app, url, () => fastify.close())
}

await runIfMain(import.meta.url, start)
