/**
 * durable-sse on Koa 3: the stream route sets `ctx.respond = false` (Koa must not answer the
 * request itself) and hands Node's `ctx.req` / `ctx.res` to `broker.handle`. Routing is by hand,
 * with no router package.
 *
 * Run: `npx tsx examples/koa/server.ts` (env `PORT`, `EXAMPLE_DB`).
 * @module
 */
import { createServer } from 'node:http'
import Koa from 'koa'
import { defaultDbFile, openApp } from '../shared/app.js'
import { authorizeProject, nodeCredentials } from '../shared/auth.js'
import { topicOf } from '../shared/events.js'
import { healthReply } from '../shared/health.js'
import { readJsonBody } from '../shared/node-body.js'
import { matchRoute } from '../shared/routes.js'
import { closeServer, listen, type RunningExample, runIfMain, running, type StartOptions } from '../shared/serve.js'
import { updateStatus } from '../shared/status-update.js'

/**
 * Starts the Koa example.
 * @example
 * const example = await start({ port: 0, dbFile: '/tmp/koa.db' })
 * await example.close()
 */
export async function start({ port, dbFile = defaultDbFile('koa') }: StartOptions = {}): Promise<RunningExample> {
  const app = await openApp({ dbFile })
  const koa = new Koa()

  koa.use(async (ctx, next) => {
    const route = matchRoute(ctx.method, ctx.path)
    if (route?.name === 'events') {
      ctx.respond = false // the broker writes the Node response; Koa leaves it alone
      await app.broker.handle(ctx.req, ctx.res, { topic: topicOf(route.projectId), authorize: authorizeProject })
      return
    }
    if (route?.name === 'health') {
      const reply = healthReply(app.broker)
      ctx.status = reply.status
      ctx.body = reply.body
      return
    }
    if (route?.name === 'status') {
      const reply = await updateStatus(app, {
        ...route,
        body: await readJsonBody(ctx.req),
        credentials: nodeCredentials(ctx.headers),
      })
      ctx.status = reply.status
      ctx.body = reply.body
      return
    }
    await next()
  })

  const http = createServer(koa.callback())
  const url = await listen(http, port)
  return running(app, url, () => closeServer(http))
}

await runIfMain(import.meta.url, start)
